package dev.sluice.server.query;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.db.jooq.Tables.WORKER;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.sluice.dag.Dag;
import dev.sluice.dag.TaskDef;
import dev.sluice.run.DagGraph;
import dev.sluice.run.Decider;
import dev.sluice.run.TaskState;
import dev.sluice.server.http.ApiException;
import dev.sluice.store.DagRepository;
import dev.sluice.store.Json;
import dev.sluice.store.LogStore;
import dev.sluice.task.BranchChoice;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jooq.DSLContext;
import org.jooq.Record;

/** Read side of task instances: the instance, its attempts, and its attempt logs by byte offset. */
public final class TaskQueries {
    static final int LOG_CHUNK = 64 * 1024;

    private final DSLContext dsl;
    private final DagRepository dags;
    private final Duration deadAfter;
    private final LogStore logs;

    /**
     * @param deadAfter a worker whose last heartbeat is older than this (by the database's clock) serves nobody
     * @param logs this node's logs and the store shared with other nodes; null: read local files only
     */
    public TaskQueries(DSLContext dsl, DagRepository dags, Duration deadAfter, LogStore logs) {
        this.dsl = dsl;
        this.dags = dags;
        this.deadAfter = deadAfter;
        this.logs = logs;
    }

    public TaskQueries(DSLContext dsl, DagRepository dags, Duration deadAfter) {
        this(dsl, dags, deadAfter, null);
    }

    /** States in which a task waits for a worker of its queue to claim it. */
    private static final java.util.Set<String> CLAIMABLE =
            java.util.Set.copyOf(dev.sluice.store.TaskInstanceRepository.dbNames(dev.sluice.run.TaskState.CLAIMABLE));

    /**
     * The queues some live worker serves: not stopped, heartbeat recent by the database's clock (every node's
     * clock is judged by the same one) and within the dead-after it declared, and with slots (a scheduler or server node registers none).
     */
    java.util.Set<String> servedQueues() {
        var queue = org.jooq.impl.DSL.field("q", String.class);
        return new java.util.HashSet<>(dsl.selectDistinct(queue)
                .from(WORKER, org.jooq.impl.DSL.unnest(WORKER.QUEUES).as("u", "q"))
                .where(
                        WORKER.STOPPED_AT.isNull(),
                        WORKER.SLOTS.gt(0),
                        // each worker by the dead-after it declared; this node's own for rows that declared none
                        org.jooq.impl.DSL.condition(
                                "{0} > now() - {1} * interval '1 millisecond'",
                                WORKER.HEARTBEAT_AT,
                                org.jooq.impl.DSL.coalesce(
                                        WORKER.DEAD_AFTER_MS, org.jooq.impl.DSL.val(deadAfter.toMillis()))))
                .fetch(queue));
    }

    /** Whether a task in {@code state} waits for a worker to claim it. */
    static boolean waitsForWorker(String state) {
        return CLAIMABLE.contains(state);
    }

    /** Why a claimable task is not running, when the reason is that nobody serves its queue; else null. */
    static String waitingFor(String state, String queue, java.util.Set<String> served) {
        if (!waitsForWorker(state) || served.contains(queue)) return null;
        return "no live worker serves queue " + queue;
    }

    /**
     * {@code renderedConfig} is null: the engine renders templates at attempt start and does not store the
     * result; the log of the attempt shows what ran.
     */
    /**
     * {@code waitingFor} says why a queued task is not running when nobody can run it (no live worker serves
     * its {@code queue}); null otherwise. {@code stateReason} says why a task is in its state when the state alone
     * does not: a task skipped because a branch task chose other paths, a sensor that timed out with
     * {@code soft_fail}, a sensor waiting for its next check ({@code up_for_reschedule}, with {@code nextCheckAt}:
     * when its wait ends and it is claimable again); null otherwise. {@code rescheduleCount}: checks that ended
     * rescheduled, each an attempt (a try number) that spent no try.
     */
    public record TaskInstanceView(
            String taskId,
            String state,
            int tryNumber,
            int maxTries,
            Instant startedAt,
            Instant endedAt,
            Long durationMs,
            String workerId,
            String error,
            Map<String, Object> output,
            String type,
            Map<String, Object> renderedConfig,
            String queue,
            String waitingFor,
            DeadlineQueries.DeadlineView deadline,
            String stateReason,
            Instant nextCheckAt,
            int rescheduleCount,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer mapIndex,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer mapCount,
            @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Integer> instanceStates) {}

    public record AttemptView(
            int tryNumber,
            String state,
            String workerId,
            Instant startedAt,
            Instant endedAt,
            Integer exitCode,
            String error) {}

    public record TaskInstanceDetail(
            String taskId,
            String state,
            int tryNumber,
            int maxTries,
            Instant startedAt,
            Instant endedAt,
            Long durationMs,
            String workerId,
            String error,
            Map<String, Object> output,
            String type,
            Map<String, Object> renderedConfig,
            String queue,
            String waitingFor,
            DeadlineQueries.DeadlineView deadline,
            String stateReason,
            Instant nextCheckAt,
            int rescheduleCount,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer mapIndex,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer mapCount,
            @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Integer> instanceStates,
            List<AttemptView> attempts) {}

    /** One instance of a mapped task, as its task's list of instances shows it; {@code item} is what it ran on. */
    public record MappedInstanceView(
            int mapIndex,
            String state,
            int tryNumber,
            int maxTries,
            Instant startedAt,
            Instant endedAt,
            Long durationMs,
            String workerId,
            String error,
            Object item) {}

    /** A page of a mapped task's instances in map-index order, with how many there are by state. */
    public record MappedInstances(
            String taskId, int mapCount, Map<String, Integer> instanceStates, List<MappedInstanceView> instances) {}

    /**
     * {@code removedAt}: when log retention deleted this log (then the text is empty and the chunk complete); null
     * while the log is kept.
     */
    public record LogChunk(String text, long nextOffset, boolean complete, Instant removedAt) {}

    /**
     * The run's tasks in creation order, a mapped task as one aggregate entry (its state from its instances', their
     * count by state): the instances themselves are read a page at a time ({@link #instances}), so a run with a
     * task mapped over 10,000 items stays one row per task here.
     */
    List<TaskInstanceView> ofRun(long runKey, long versionId) {
        Dag dag = dags.version(versionId);
        var rows = dsl.selectFrom(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.MAP_INDEX.le(0))
                .orderBy(TASK_INSTANCE.ID)
                .fetch();
        Map<String, MappedAggregate> mapped =
                rows.stream().anyMatch(r -> r.getMapIndex() == 0) ? mappedAggregates(runKey, null) : Map.of();
        // One look at the worker table per run, and only when some task waits for a worker.
        java.util.Set<String> served =
                rows.stream().anyMatch(r -> CLAIMABLE.contains(r.getState())) ? servedQueues() : java.util.Set.of();
        var deadlines = DeadlineQueries.ofRun(dsl, runKey);
        BranchSkips skips = new BranchSkips(dag, rows);
        return rows.map(r -> {
            TaskInstanceView v = view(r, dag, served, deadlines, skips);
            MappedAggregate m = mapped.get(r.getTaskId());
            return m == null ? v : m.over(v);
        });
    }

    /** A mapped task's instances folded: counts by state, the aggregate state, their attempts and time span. */
    record MappedAggregate(
            Map<String, Integer> counts, String state, int attempts, Instant startedAt, Instant endedAt, String error) {
        int total() {
            return counts.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** The task's entry: instance 0's row with the aggregate in place of that instance's own figures. */
        TaskInstanceView over(TaskInstanceView v) {
            boolean done = TaskState.fromDb(state).isTerminal();
            Instant end = done ? endedAt : null;
            return new TaskInstanceView(
                    v.taskId(),
                    state,
                    attempts,
                    v.maxTries(),
                    startedAt,
                    end,
                    startedAt != null && end != null && !end.isBefore(startedAt)
                            ? Duration.between(startedAt, end).toMillis()
                            : null,
                    null,
                    error,
                    null,
                    v.type(),
                    null,
                    v.queue(),
                    v.waitingFor(),
                    v.deadline(),
                    v.stateReason(),
                    null,
                    0,
                    null,
                    total(),
                    counts);
        }
    }

    private static final String MAPPED_AGGREGATES = """
            select task_id, state, count(*)::int, sum(try_number)::int, min(started_at), max(ended_at), max(error)
            from task_instance where run_id = ? and map_index >= 0 and (?::text is null or task_id = ?)
            group by task_id, state""";

    /** Each expanded mapped task of the run (or only {@code taskId}), folded by the database: a row per state. */
    Map<String, MappedAggregate> mappedAggregates(long runKey, String taskId) {
        Map<String, Map<TaskState, Integer>> counts = new java.util.HashMap<>();
        Map<String, int[]> attempts = new java.util.HashMap<>();
        Map<String, Instant[]> span = new java.util.HashMap<>();
        Map<String, String> errors = new java.util.HashMap<>();
        dsl.connection(c -> {
            try (var ps = c.prepareStatement(MAPPED_AGGREGATES)) {
                ps.setLong(1, runKey);
                ps.setString(2, taskId);
                ps.setString(3, taskId);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String task = rs.getString(1);
                        counts.computeIfAbsent(task, k -> new java.util.EnumMap<>(TaskState.class))
                                .put(TaskState.fromDb(rs.getString(2)), rs.getInt(3));
                        attempts.computeIfAbsent(task, k -> new int[1])[0] += rs.getInt(4);
                        Instant[] s = span.computeIfAbsent(task, k -> new Instant[2]);
                        var start = rs.getTimestamp(5);
                        var end = rs.getTimestamp(6);
                        if (start != null && (s[0] == null || start.toInstant().isBefore(s[0])))
                            s[0] = start.toInstant();
                        if (end != null && (s[1] == null || end.toInstant().isAfter(s[1]))) s[1] = end.toInstant();
                        if (rs.getString(7) != null && "failed".equals(rs.getString(2)))
                            errors.put(task, rs.getString(7));
                    }
                }
            }
        });
        Map<String, MappedAggregate> out = new java.util.HashMap<>();
        counts.forEach((task, byState) -> {
            Map<String, Integer> named = new java.util.LinkedHashMap<>();
            byState.forEach((st, n) -> named.put(st.dbName(), n));
            out.put(
                    task,
                    new MappedAggregate(
                            named,
                            Decider.aggregate(byState).dbName(),
                            attempts.get(task)[0],
                            span.get(task)[0],
                            span.get(task)[1],
                            errors.get(task)));
        });
        return out;
    }

    /**
     * Why tasks of one run were skipped by a branch, worked out from the branch tasks' outputs as the decider
     * did (nothing is stored for it).
     */
    private static final class BranchSkips {
        private final DagGraph graph;
        private final Map<String, TaskState> states = new java.util.HashMap<>();
        private final Map<String, List<String>> choices = new java.util.HashMap<>();

        BranchSkips(Dag dag, List<? extends Record> rows) {
            graph = dag.tasks().stream().anyMatch(TaskDef::branch) ? new DagGraph(dag) : null;
            if (graph == null) return;
            for (Record r : rows) {
                String id = r.get(TASK_INSTANCE.TASK_ID);
                states.put(id, TaskState.fromDb(r.get(TASK_INSTANCE.STATE)));
                TaskDef def = dag.task(id);
                if (def != null && def.branch() && r.get(TASK_INSTANCE.OUTPUT) != null) {
                    Map<String, Object> out = Json.map(r.get(TASK_INSTANCE.OUTPUT));
                    List<String> ids = out == null ? null : BranchChoice.ids(out.get(BranchChoice.OUTPUT_KEY));
                    if (ids != null) choices.put(id, ids);
                }
            }
        }

        String reason(String taskId, String state) {
            if (graph == null || !"skipped".equals(state) || graph.task(taskId) == null) return null;
            String branch = Decider.skippedByBranch(graph, taskId, states, choices);
            if (branch == null) return null;
            List<String> chosen = choices.get(branch);
            return "skipped: branch task '" + branch + "' chose "
                    + (chosen.isEmpty() ? "no task" : String.join(", ", chosen));
        }
    }

    /** The run's own deadline; null when it has none. */
    DeadlineQueries.DeadlineView runDeadline(long runKey) {
        return DeadlineQueries.ofRun(dsl, runKey).get(DeadlineQueries.RUN);
    }

    private TaskInstanceView view(Record r) {
        String state = r.get(TASK_INSTANCE.STATE);
        Dag dag = dags.version(r.get(DAG_RUN.DAG_VERSION_ID));
        // Only a skipped task of a DAG with branches needs the run's other rows, to say which branch skipped it.
        boolean mayBeBranchSkip =
                "skipped".equals(state) && dag.tasks().stream().anyMatch(TaskDef::branch);
        BranchSkips skips = new BranchSkips(
                dag,
                mayBeBranchSkip
                        ? dsl.selectFrom(TASK_INSTANCE)
                                .where(TASK_INSTANCE.RUN_ID.eq(r.get(TASK_INSTANCE.RUN_ID)))
                                .fetch()
                        : List.of());
        return view(
                r,
                dag,
                CLAIMABLE.contains(state) ? servedQueues() : java.util.Set.of(),
                DeadlineQueries.ofRun(dsl, r.get(TASK_INSTANCE.RUN_ID)),
                skips);
    }

    private static TaskInstanceView view(
            Record r,
            Dag dag,
            java.util.Set<String> served,
            Map<String, DeadlineQueries.DeadlineView> deadlines,
            BranchSkips skips) {
        Instant started = RunQueries.t(r.get(TASK_INSTANCE.STARTED_AT)),
                ended = RunQueries.t(r.get(TASK_INSTANCE.ENDED_AT));
        TaskDef def = dag.task(r.get(TASK_INSTANCE.TASK_ID));
        String state = r.get(TASK_INSTANCE.STATE);
        // A waiting sensor's and a skipped task's error column holds a note, not an error: shown as the reason.
        String note = r.get(TASK_INSTANCE.ERROR);
        boolean rescheduled = TaskState.UP_FOR_RESCHEDULE.dbName().equals(state);
        String reason = skips.reason(r.get(TASK_INSTANCE.TASK_ID), state);
        if (reason == null && (rescheduled || "skipped".equals(state)) && note != null) reason = note;
        return new TaskInstanceView(
                r.get(TASK_INSTANCE.TASK_ID),
                state,
                r.get(TASK_INSTANCE.TRY_NUMBER),
                r.get(TASK_INSTANCE.MAX_TRIES),
                started,
                ended,
                started != null && ended != null && !ended.isBefore(started)
                        ? Duration.between(started, ended).toMillis()
                        : null,
                r.get(TASK_INSTANCE.WORKER_ID),
                rescheduled ? null : note,
                Json.map(r.get(TASK_INSTANCE.OUTPUT)),
                def == null ? null : def.type(),
                null,
                r.get(TASK_INSTANCE.QUEUE),
                waitingFor(r.get(TASK_INSTANCE.STATE), r.get(TASK_INSTANCE.QUEUE), served),
                deadlines.get(r.get(TASK_INSTANCE.TASK_ID)),
                reason,
                rescheduled ? RunQueries.t(r.get(TASK_INSTANCE.READY_AT)) : null,
                r.get(TASK_INSTANCE.RESCHEDULE_COUNT),
                r.get(TASK_INSTANCE.MAP_INDEX) >= 0 ? r.get(TASK_INSTANCE.MAP_INDEX) : null,
                null,
                null);
    }

    /**
     * The task's row; for a mapped task, instance {@code mapIndex}, or without one its instance 0 (what stands for
     * the task). A map index on a task that is not mapped is not found.
     */
    private Record row(String dagId, String runId, String taskId, Integer mapIndex) {
        return dsl.select(TASK_INSTANCE.asterisk(), DAG_RUN.DAG_VERSION_ID)
                .from(TASK_INSTANCE)
                .join(DAG_RUN)
                .on(DAG_RUN.ID.eq(TASK_INSTANCE.RUN_ID))
                .where(
                        DAG_RUN.DAG_ID.eq(dagId),
                        DAG_RUN.RUN_ID.eq(runId),
                        TASK_INSTANCE.TASK_ID.eq(taskId),
                        mapIndex == null ? TASK_INSTANCE.MAP_INDEX.le(0) : TASK_INSTANCE.MAP_INDEX.eq(mapIndex))
                .fetchOptional()
                .orElseThrow(() -> new NoSuchElementException("no task " + taskId
                        + (mapIndex == null ? "" : " instance with map_index " + mapIndex) + " in run " + runId
                        + " of DAG " + dagId));
    }

    private static boolean mappedRow(Record r) {
        return r.get(TASK_INSTANCE.MAP_INDEX) >= 0;
    }

    public TaskInstanceView instance(String dagId, String runId, String taskId) {
        Record r = row(dagId, runId, taskId, null);
        TaskInstanceView v = view(r);
        if (!mappedRow(r)) return v;
        return mappedAggregates(r.get(TASK_INSTANCE.RUN_ID), taskId).get(taskId).over(v);
    }

    public TaskInstanceDetail detail(String dagId, String runId, String taskId) {
        return detail(dagId, runId, taskId, null);
    }

    /**
     * One task instance with its attempts. For a mapped task without {@code mapIndex}: the task's aggregate (state,
     * instances by state, attempts summed) with no attempts of its own; with one, that instance.
     */
    public TaskInstanceDetail detail(String dagId, String runId, String taskId, Integer mapIndex) {
        Record r = row(dagId, runId, taskId, mapIndex);
        TaskInstanceView v = view(r);
        if (mapIndex == null && mappedRow(r)) {
            TaskInstanceView a = mappedAggregates(r.get(TASK_INSTANCE.RUN_ID), taskId)
                    .get(taskId)
                    .over(v);
            return new TaskInstanceDetail(
                    a.taskId(),
                    a.state(),
                    a.tryNumber(),
                    a.maxTries(),
                    a.startedAt(),
                    a.endedAt(),
                    a.durationMs(),
                    null,
                    a.error(),
                    null,
                    a.type(),
                    null,
                    a.queue(),
                    a.waitingFor(),
                    a.deadline(),
                    a.stateReason(),
                    null,
                    0,
                    null,
                    a.mapCount(),
                    a.instanceStates(),
                    List.of());
        }
        var rows = dsl.selectFrom(ATTEMPT)
                .where(ATTEMPT.TASK_INSTANCE_ID.eq(r.get(TASK_INSTANCE.ID)))
                .orderBy(ATTEMPT.TRY_NUMBER)
                .fetch();
        var attempts = rows.map(a -> new AttemptView(
                a.getTryNumber(),
                a.getState(),
                a.getWorkerId(),
                RunQueries.t(a.getStartedAt()),
                RunQueries.t(a.getEndedAt()),
                a.getExitCode(),
                a.getError()));
        // The latest attempt's config, as rendered (secrets masked by the engine); recorded when it ends.
        Map<String, Object> rendered =
                rows.isEmpty() ? null : Json.map(rows.get(rows.size() - 1).getRenderedConfig());
        return new TaskInstanceDetail(
                v.taskId(),
                v.state(),
                v.tryNumber(),
                v.maxTries(),
                v.startedAt(),
                v.endedAt(),
                v.durationMs(),
                v.workerId(),
                v.error(),
                v.output(),
                v.type(),
                rendered,
                v.queue(),
                v.waitingFor(),
                v.deadline(),
                v.stateReason(),
                v.nextCheckAt(),
                v.rescheduleCount(),
                v.mapIndex(),
                null,
                null,
                attempts);
    }

    /**
     * A page of a mapped task's instances in map-index order ({@code offset} from 0), with the count of all its
     * instances by state; a task that is not mapped (or not expanded yet) has none.
     */
    public MappedInstances instances(String dagId, String runId, String taskId, int offset, int limit) {
        Record first = row(dagId, runId, taskId, null);
        long runKey = first.get(TASK_INSTANCE.RUN_ID);
        if (!mappedRow(first)) return new MappedInstances(taskId, 0, Map.of(), List.of());
        MappedAggregate agg = mappedAggregates(runKey, taskId).get(taskId);
        var page = dsl.selectFrom(TASK_INSTANCE)
                .where(
                        TASK_INSTANCE.RUN_ID.eq(runKey),
                        TASK_INSTANCE.TASK_ID.eq(taskId),
                        TASK_INSTANCE.MAP_INDEX.ge(offset))
                .orderBy(TASK_INSTANCE.MAP_INDEX)
                .limit(limit)
                .fetch(r -> {
                    Instant started = RunQueries.t(r.getStartedAt()), ended = RunQueries.t(r.getEndedAt());
                    return new MappedInstanceView(
                            r.getMapIndex(),
                            r.getState(),
                            r.getTryNumber(),
                            r.getMaxTries(),
                            started,
                            ended,
                            started != null && ended != null && !ended.isBefore(started)
                                    ? Duration.between(started, ended).toMillis()
                                    : null,
                            r.getWorkerId(),
                            r.getError(),
                            r.getMapItem() == null
                                    ? null
                                    : Json.value(r.getMapItem().data()));
                });
        return new MappedInstances(taskId, agg.total(), agg.counts(), page);
    }

    /**
     * One attempt's log: {@code file} where the node that ran it wrote it (on this node only if this node ran it),
     * {@code key} its key in the shared store, {@code removedAt} when retention deleted it.
     */
    public record AttemptLog(Path file, String key, boolean finished, Instant removedAt) {}

    /** The log of try {@code tryNumber} (the latest when null). */
    public AttemptLog log(String dagId, String runId, String taskId, Integer tryNumber) {
        return log(dagId, runId, taskId, null, tryNumber);
    }

    /** The log of try {@code tryNumber} (the latest when null) of a task, or of one instance of a mapped task. */
    public AttemptLog log(String dagId, String runId, String taskId, Integer mapIndex, Integer tryNumber) {
        Record r = row(dagId, runId, taskId, mapIndex);
        if (mapIndex == null && mappedRow(r))
            throw ApiException.badRequest(
                    "map_index",
                    "task " + taskId + " is mapped: give the map_index of the instance whose log to read (see"
                            + " its instances)");
        int n = tryNumber != null ? tryNumber : r.get(TASK_INSTANCE.TRY_NUMBER);
        var a = dsl.select(ATTEMPT.LOG_PATH, ATTEMPT.STATE, ATTEMPT.LOG_REMOVED_AT)
                .from(ATTEMPT)
                .where(ATTEMPT.TASK_INSTANCE_ID.eq(r.get(TASK_INSTANCE.ID)), ATTEMPT.TRY_NUMBER.eq(n))
                .fetchOptional()
                .orElseThrow(() -> new NoSuchElementException("task " + taskId + " has no attempt " + n));
        return new AttemptLog(
                a.value1() == null ? null : Path.of(a.value1()),
                LogStore.key(dagId, runId, taskId, r.get(TASK_INSTANCE.MAP_INDEX), n),
                !"running".equals(a.value2()),
                RunQueries.t(a.value3()));
    }

    /**
     * This node's copy of the log, when this node wrote it: the fast path. A path under another node's
     * SLUICE_HOME may exist here too (a shared disk, two nodes on one machine) without being that node's live file.
     */
    private boolean local(AttemptLog log) {
        if (log.file() == null || !Files.isRegularFile(log.file())) return false;
        return logs == null
                || logs.store().isEmpty()
                || log.file()
                        .toAbsolutePath()
                        .normalize()
                        .startsWith(logs.root().toAbsolutePath().normalize());
    }

    /**
     * Up to {@value #LOG_CHUNK} bytes from {@code offset}: from this node's file when it ran the attempt, else from
     * the shared store (the parts uploaded so far while the attempt runs elsewhere, the whole log once it ended).
     * Complete once the attempt has finished and the reader has everything there is.
     */
    public LogChunk read(AttemptLog log, long offset) throws IOException {
        if (log.removedAt() != null) return new LogChunk("", offset, true, log.removedAt());
        if (local(log) || logs == null || logs.store().isEmpty()) {
            LogStore.Chunk c = LogStore.read(log.file(), offset, LOG_CHUNK);
            long size = local(log) ? Files.size(log.file()) : 0;
            return new LogChunk(c.text(), c.nextOffset(), log.finished() && c.nextOffset() >= size, null);
        }
        LogStore.Shared s = logs.readShared(log.key(), offset, LOG_CHUNK);
        return new LogChunk(
                s.chunk().text(),
                s.chunk().nextOffset(),
                log.finished() && s.chunk().nextOffset() >= s.size(),
                null);
    }

    /** The whole log for download: this node's file, or the shared store's copy; empty when there is none. */
    public InputStream open(AttemptLog log) throws IOException {
        if (local(log)) return Files.newInputStream(log.file());
        if (logs != null) {
            var shared = logs.openShared(log.key());
            if (shared.isPresent()) return shared.get();
        }
        return InputStream.nullInputStream();
    }
}
