package dev.sluice.server.query;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.db.jooq.Tables.WORKER;

import dev.sluice.dag.Dag;
import dev.sluice.dag.TaskDef;
import dev.sluice.run.DagGraph;
import dev.sluice.run.Decider;
import dev.sluice.run.TaskState;
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
     * clock is judged by the same one), and with slots (a scheduler or server node registers none).
     */
    java.util.Set<String> servedQueues() {
        var queue = org.jooq.impl.DSL.field("q", String.class);
        return new java.util.HashSet<>(dsl.selectDistinct(queue)
                .from(WORKER, org.jooq.impl.DSL.unnest(WORKER.QUEUES).as("u", "q"))
                .where(
                        WORKER.STOPPED_AT.isNull(),
                        WORKER.SLOTS.gt(0),
                        org.jooq.impl.DSL.condition(
                                "{0} > now() - {1} * interval '1 millisecond'",
                                WORKER.HEARTBEAT_AT, org.jooq.impl.DSL.val(deadAfter.toMillis())))
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
            int rescheduleCount) {}

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
            List<AttemptView> attempts) {}

    /**
     * {@code removedAt}: when log retention deleted this log (then the text is empty and the chunk complete); null
     * while the log is kept.
     */
    public record LogChunk(String text, long nextOffset, boolean complete, Instant removedAt) {}

    List<TaskInstanceView> ofRun(long runKey, long versionId) {
        Dag dag = dags.version(versionId);
        var rows = dsl.selectFrom(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey))
                .orderBy(TASK_INSTANCE.ID)
                .fetch();
        // One look at the worker table per run, and only when some task waits for a worker.
        java.util.Set<String> served =
                rows.stream().anyMatch(r -> CLAIMABLE.contains(r.getState())) ? servedQueues() : java.util.Set.of();
        var deadlines = DeadlineQueries.ofRun(dsl, runKey);
        BranchSkips skips = new BranchSkips(dag, rows);
        return rows.map(r -> view(r, dag, served, deadlines, skips));
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
                r.get(TASK_INSTANCE.RESCHEDULE_COUNT));
    }

    private Record row(String dagId, String runId, String taskId) {
        return dsl.select(TASK_INSTANCE.asterisk(), DAG_RUN.DAG_VERSION_ID)
                .from(TASK_INSTANCE)
                .join(DAG_RUN)
                .on(DAG_RUN.ID.eq(TASK_INSTANCE.RUN_ID))
                .where(DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.RUN_ID.eq(runId), TASK_INSTANCE.TASK_ID.eq(taskId))
                .fetchOptional()
                .orElseThrow(() ->
                        new NoSuchElementException("no task " + taskId + " in run " + runId + " of DAG " + dagId));
    }

    public TaskInstanceView instance(String dagId, String runId, String taskId) {
        return view(row(dagId, runId, taskId));
    }

    public TaskInstanceDetail detail(String dagId, String runId, String taskId) {
        Record r = row(dagId, runId, taskId);
        TaskInstanceView v = view(r);
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
                attempts);
    }

    /**
     * One attempt's log: {@code file} where the node that ran it wrote it (on this node only if this node ran it),
     * {@code key} its key in the shared store, {@code removedAt} when retention deleted it.
     */
    public record AttemptLog(Path file, String key, boolean finished, Instant removedAt) {}

    /** The log of try {@code tryNumber} (the latest when null). */
    public AttemptLog log(String dagId, String runId, String taskId, Integer tryNumber) {
        Record r = row(dagId, runId, taskId);
        int n = tryNumber != null ? tryNumber : r.get(TASK_INSTANCE.TRY_NUMBER);
        var a = dsl.select(ATTEMPT.LOG_PATH, ATTEMPT.STATE, ATTEMPT.LOG_REMOVED_AT)
                .from(ATTEMPT)
                .where(ATTEMPT.TASK_INSTANCE_ID.eq(r.get(TASK_INSTANCE.ID)), ATTEMPT.TRY_NUMBER.eq(n))
                .fetchOptional()
                .orElseThrow(() -> new NoSuchElementException("task " + taskId + " has no attempt " + n));
        return new AttemptLog(
                a.value1() == null ? null : Path.of(a.value1()),
                LogStore.key(dagId, runId, taskId, n),
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
