package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.db.jooq.Tables.WORKER;

import dev.sluice.dag.Dag;
import dev.sluice.dag.TaskDef;
import dev.sluice.run.AttemptState;
import dev.sluice.run.TaskState;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Task instances: the rows are the queue. Every state change here is a conditional update from the states
 * {@link TaskState#allowedFrom()} lists; zero rows updated means another engine won the race.
 */
public final class TaskInstanceRepository {
    private final ClaimLimits limits = new ClaimLimits();

    /** One queue as '=' (the index's leading column, a plain range scan), several as IN. */
    static org.jooq.Condition queueIn(List<String> queues) {
        return queues.size() == 1 ? TASK_INSTANCE.QUEUE.eq(queues.get(0)) : TASK_INSTANCE.QUEUE.in(queues);
    }

    public static OffsetDateTime utc(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }

    /** A task instance this worker has just claimed, with what it needs to run it. */
    public record Claimed(
            long tiId,
            long runKey,
            String dagId,
            String taskId,
            int tryNumber,
            int maxTries,
            String runId,
            long dagVersionId,
            Instant logicalDate,
            Instant dataIntervalStart,
            Instant dataIntervalEnd,
            Map<String, Object> params,
            long attemptKey,
            String logPath,
            Instant firstCheckAt,
            int rescheduleCount,
            int mapIndex,
            Object mapItem) {

        /** A claim outside a rescheduled wait. */
        public Claimed(
                long tiId,
                long runKey,
                String dagId,
                String taskId,
                int tryNumber,
                int maxTries,
                String runId,
                long dagVersionId,
                Instant logicalDate,
                Instant dataIntervalStart,
                Instant dataIntervalEnd,
                Map<String, Object> params,
                long attemptKey,
                String logPath) {
            this(
                    tiId,
                    runKey,
                    dagId,
                    taskId,
                    tryNumber,
                    maxTries,
                    runId,
                    dagVersionId,
                    logicalDate,
                    dataIntervalStart,
                    dataIntervalEnd,
                    params,
                    attemptKey,
                    logPath,
                    null,
                    0,
                    -1,
                    null);
        }

        /** The tries this instance has spent: checks that ended rescheduled took a try number but no try. */
        public int triesSpent() {
            return tryNumber - rescheduleCount;
        }

        /** Whether this is one instance of a mapped task (it then has an item and a position). */
        public boolean mapped() {
            return mapIndex >= 0;
        }
    }

    /** Creates every task instance of a new run as pending, in one multi-row insert. */
    public void insertPending(DSLContext tx, long runKey, Dag dag) {
        insertPending(tx, runKey, dag, null);
    }

    /**
     * @param queueOverride when not null, every task of the run goes to this queue instead of its own (a run that
     *                      only one process may execute, e.g. {@code sluice dags test})
     */
    public void insertPending(DSLContext tx, long runKey, Dag dag, String queueOverride) {
        insertPending(tx, List.of(runKey), List.of(dag), queueOverride);
    }

    private static final String INSERT_PENDING = """
            insert into task_instance (run_id, dag_id, task_id, state, max_tries, priority, pool, queue, ready_at,
                                       ended_at)
            select r, d, t, coalesce(st, 'pending'), m, p, pl, q,
                   case when st = 'queued' then ?::timestamptz end,
                   case when st is not null and st <> 'queued' then ?::timestamptz end
            from unnest(?::int8[], ?::text[], ?::text[], ?::int4[], ?::int4[], ?::text[], ?::text[], ?::text[])
                 as x(r, d, t, m, p, pl, q, st)""";

    /**
     * Creates every task instance of several new runs ({@code dags.get(i)} is the DAG of {@code runKeys.get(i)}) as
     * pending, in one statement whose text does not depend on how many rows it inserts.
     */
    public void insertPending(DSLContext tx, List<Long> runKeys, List<Dag> dags, String queueOverride) {
        insert(tx, runKeys, dags, java.util.Collections.nCopies(runKeys.size(), Map.of()), queueOverride, null);
    }

    /**
     * Creates the task instances of new runs, each task in the state the decider gave it at the run's start
     * ({@code initial.get(i)}, by task id; absent: pending). A run started in the same transaction thus costs one
     * insert per task instead of an insert and an update (with its event and index churn) for every ready task.
     * Queued tasks are claimable from {@code now}; tasks already finished (skipped) end at {@code now}.
     */
    public void insert(
            DSLContext tx,
            List<Long> runKeys,
            List<Dag> dags,
            List<Map<String, TaskState>> initial,
            String queueOverride,
            Instant now) {
        List<Long> runs = new ArrayList<>();
        List<String> dagIds = new ArrayList<>(), taskIds = new ArrayList<>(), pools = new ArrayList<>();
        List<String> queues = new ArrayList<>(), states = new ArrayList<>();
        List<Integer> tries = new ArrayList<>(), priorities = new ArrayList<>();
        for (int i = 0; i < runKeys.size(); i++) {
            Dag dag = dags.get(i);
            Map<String, TaskState> start = initial.get(i);
            for (TaskDef t : dag.tasks()) {
                runs.add(runKeys.get(i));
                dagIds.add(dag.id());
                taskIds.add(t.id());
                tries.add(t.retries() + 1);
                priorities.add(t.priority());
                pools.add(t.pool());
                queues.add(queueOverride != null ? queueOverride : t.queue());
                TaskState s = start.get(t.id());
                if (s != null) dev.sluice.run.IllegalTransitionException.check("task " + t.id(), TaskState.PENDING, s);
                states.add(s == null ? null : s.dbName());
            }
        }
        if (runs.isEmpty()) return;
        String at = now == null ? null : now.toString();
        tx.connection(c -> {
            try (var ps = c.prepareStatement(INSERT_PENDING)) {
                ps.setString(1, at);
                ps.setString(2, at);
                ps.setArray(3, SqlArrays.longs(c, runs));
                ps.setArray(4, SqlArrays.texts(c, dagIds));
                ps.setArray(5, SqlArrays.texts(c, taskIds));
                ps.setArray(6, SqlArrays.ints(c, tries));
                ps.setArray(7, SqlArrays.ints(c, priorities));
                ps.setArray(8, SqlArrays.texts(c, pools));
                ps.setArray(9, SqlArrays.texts(c, queues));
                ps.setArray(10, SqlArrays.texts(c, states));
                ps.executeUpdate();
            }
        });
    }

    /** Each task's state in one run: a mapped task's is the aggregate of its instances (see {@link #states}). */
    public Map<String, TaskState> states(DSLContext tx, long runKey) {
        return states(tx, List.of(runKey)).getOrDefault(runKey, new HashMap<>());
    }

    /** States of several runs in one query: no N+1 when a batch of completions touches many runs. */
    public Map<Long, Map<String, TaskState>> states(DSLContext tx, Collection<Long> runKeys) {
        if (runKeys.isEmpty()) return new HashMap<>();
        var step = statesStep(runKeys);
        Pipeline.run(tx, step);
        return step.result();
    }

    /** {@link #states} as a step of a {@link Pipeline}: it sees what the steps before it wrote. */
    public Pipeline.Step<Map<Long, Map<String, TaskState>>> statesStep(Collection<Long> runKeys) {
        List<Long> keys = new ArrayList<>(runKeys);
        return Pipeline.query(
                STATES,
                (c, ps, i) -> {
                    ps.setArray(i, SqlArrays.longs(c, keys));
                    return i + 1;
                },
                rs -> {
                    // Grouped: a task mapped over 10,000 items costs a row per state it has, not per instance; the
                    // decider's aggregate turns the counts into the task's state.
                    Map<Long, Map<String, Map<TaskState, Integer>>> counts = new HashMap<>();
                    while (rs.next()) {
                        counts.computeIfAbsent(rs.getLong(1), k -> new HashMap<>())
                                .computeIfAbsent(rs.getString(2), k -> new java.util.EnumMap<>(TaskState.class))
                                .put(TaskState.fromDb(rs.getString(3)), rs.getInt(4));
                    }
                    Map<Long, Map<String, TaskState>> out = new HashMap<>();
                    counts.forEach((run, byTask) -> {
                        Map<String, TaskState> states = new HashMap<>();
                        byTask.forEach((task, c) -> states.put(task, dev.sluice.run.Decider.aggregate(c)));
                        out.put(run, states);
                    });
                    return out;
                });
    }

    private static final String STATES = "select run_id, task_id, state, count(*)::int from task_instance"
            + " where run_id = any(?) group by run_id, task_id, state";

    /** One mapped task of one run to expand: its instances' items in order, and its max_active_instances (0: none). */
    public record Expansion(long runKey, String taskId, List<Object> items, int maxActive) {}

    private static final String EXPAND_INSERT = """
            insert into task_instance (run_id, dag_id, task_id, state, max_tries, priority, pool, queue, ready_at,
                                       map_index, map_item, map_limit)
            select t.run_id, t.dag_id, t.task_id, 'queued', t.max_tries, t.priority, t.pool, t.queue, ?::timestamptz,
                   x.i, x.item::jsonb, x.lim
            from unnest(?::int8[], ?::text[], ?::int4[], ?::text[], ?::int4[]) as x(r, task, i, item, lim)
            join task_instance t on t.run_id = x.r and t.task_id = x.task and t.map_index = -1 and t.state = 'pending'
            """;

    private static final String EXPAND_FIRST = """
            update task_instance t
            set map_index = 0, map_item = x.item::jsonb, map_limit = x.lim, state = 'queued', ready_at = ?::timestamptz
            from unnest(?::int8[], ?::text[], ?::text[], ?::int4[]) as x(r, task, item, lim)
            where t.run_id = x.r and t.task_id = x.task and t.map_index = -1 and t.state = 'pending'""";

    /**
     * Expands mapped tasks (each non-empty) into queued instances, claimable from {@code now}: the task's one row
     * becomes instance 0 and instances 1..N-1 are copied from it, for any number of tasks and runs in two
     * statements whose text does not depend on how many items there are. A task no longer pending and unexpanded
     * (another engine expanded it) is left alone.
     */
    public void expand(DSLContext tx, List<Expansion> expansions, Instant now) {
        if (expansions.isEmpty()) return;
        List<Long> runs = new ArrayList<>(), firstRuns = new ArrayList<>();
        List<String> taskIds = new ArrayList<>(), items = new ArrayList<>();
        List<String> firstTasks = new ArrayList<>(), firstItems = new ArrayList<>();
        List<Integer> idx = new ArrayList<>(), limits = new ArrayList<>(), firstLimits = new ArrayList<>();
        for (Expansion e : expansions) {
            Integer limit = e.maxActive() > 0 ? e.maxActive() : null;
            firstRuns.add(e.runKey());
            firstTasks.add(e.taskId());
            firstItems.add(Json.write(e.items().get(0)));
            firstLimits.add(limit);
            for (int i = 1; i < e.items().size(); i++) {
                runs.add(e.runKey());
                taskIds.add(e.taskId());
                idx.add(i);
                items.add(Json.write(e.items().get(i)));
                limits.add(limit);
            }
        }
        tx.connection(c -> {
            if (!runs.isEmpty()) {
                try (var ps = c.prepareStatement(EXPAND_INSERT)) {
                    ps.setString(1, now.toString());
                    ps.setArray(2, SqlArrays.longs(c, runs));
                    ps.setArray(3, SqlArrays.texts(c, taskIds));
                    ps.setArray(4, SqlArrays.ints(c, idx));
                    ps.setArray(5, SqlArrays.texts(c, items));
                    ps.setArray(6, SqlArrays.ints(c, limits));
                    ps.executeUpdate();
                }
            }
            try (var ps = c.prepareStatement(EXPAND_FIRST)) {
                ps.setString(1, now.toString());
                ps.setArray(2, SqlArrays.longs(c, firstRuns));
                ps.setArray(3, SqlArrays.texts(c, firstTasks));
                ps.setArray(4, SqlArrays.texts(c, firstItems));
                ps.setArray(5, SqlArrays.ints(c, firstLimits));
                ps.executeUpdate();
            }
        });
    }

    /** Of the given (run, task) pairs, those not expanded yet (still one row, map index -1): one query. */
    public java.util.Set<Map.Entry<Long, String>> unexpanded(DSLContext tx, List<Long> runKeys, List<String> taskIds) {
        java.util.Set<Map.Entry<Long, String>> out = new java.util.HashSet<>();
        if (runKeys.isEmpty()) return out;
        tx.connection(c -> {
            try (var ps = c.prepareStatement("select t.run_id, t.task_id from task_instance t"
                    + " join unnest(?::int8[], ?::text[]) as x(r, task) on t.run_id = x.r and t.task_id = x.task"
                    + " where t.map_index = -1")) {
                ps.setArray(1, SqlArrays.longs(c, runKeys));
                ps.setArray(2, SqlArrays.texts(c, taskIds));
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) out.add(Map.entry(rs.getLong(1), rs.getString(2)));
                }
            }
        });
        return out;
    }

    /** A mapped task whose list could not be read fails before it has instances, with the reason as its error. */
    public boolean failUnexpanded(DSLContext tx, long runKey, String taskId, String error, Instant now) {
        return tx.update(TASK_INSTANCE)
                        .set(TASK_INSTANCE.STATE, TaskState.FAILED.dbName())
                        .set(TASK_INSTANCE.ERROR, error)
                        .set(TASK_INSTANCE.ENDED_AT, utc(now))
                        .where(
                                TASK_INSTANCE.RUN_ID.eq(runKey),
                                TASK_INSTANCE.TASK_ID.eq(taskId),
                                TASK_INSTANCE.MAP_INDEX.eq(-1),
                                TASK_INSTANCE.STATE.eq(TaskState.PENDING.dbName()))
                        .execute()
                == 1;
    }

    /**
     * A successful task's output as templates see it, for a mapped task's list: an unmapped task's output object,
     * a mapped task's list of its instances' outputs in map-index order (null for an instance that did not
     * succeed); null when the task has not succeeded.
     */
    public Object outputOf(DSLContext tx, long runKey, String taskId) {
        var rows = tx.select(TASK_INSTANCE.MAP_INDEX, TASK_INSTANCE.STATE, TASK_INSTANCE.OUTPUT)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq(taskId))
                .orderBy(TASK_INSTANCE.MAP_INDEX)
                .fetch();
        if (rows.isEmpty()) return null;
        if (rows.size() == 1 && rows.get(0).value1() < 0)
            return TaskState.SUCCESS.dbName().equals(rows.get(0).value2())
                    ? Json.map(rows.get(0).value3())
                    : null;
        List<Object> out = new ArrayList<>(rows.size());
        for (var r : rows)
            out.add(TaskState.SUCCESS.dbName().equals(r.value2()) && r.value3() != null ? Json.map(r.value3()) : null);
        return out;
    }

    /**
     * Sends a mapped task back to one unexpanded pending row (its instances beyond the first deleted, attempts
     * with them): the upstream whose output it maps over is rerun too, so its list may differ this time.
     */
    public void collapse(DSLContext tx, long runKey, String taskId) {
        tx.deleteFrom(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq(taskId), TASK_INSTANCE.MAP_INDEX.gt(0))
                .execute();
        tx.update(TASK_INSTANCE)
                .set(TASK_INSTANCE.MAP_INDEX, -1)
                .setNull(TASK_INSTANCE.MAP_ITEM)
                .setNull(TASK_INSTANCE.MAP_LIMIT)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq(taskId), TASK_INSTANCE.MAP_INDEX.eq(0))
                .execute();
    }

    /**
     * The choices ({@code output.next}, see {@link dev.sluice.task.BranchChoice}) of the given tasks that succeeded
     * in the given runs, by run and task. A task whose output names no valid choice (marked success by an
     * operator) is left out.
     */
    public Map<Long, Map<String, List<String>>> branchChoices(
            DSLContext tx, Collection<Long> runKeys, Collection<String> taskIds) {
        Map<Long, Map<String, List<String>>> out = new HashMap<>();
        if (runKeys.isEmpty() || taskIds.isEmpty()) return out;
        tx.connection(c -> {
            try (var ps = c.prepareStatement(
                    "select run_id, task_id, output->'next' from task_instance"
                            + " where run_id = any(?) and task_id = any(?) and state = 'success' and output->'next' is not null")) {
                ps.setArray(1, SqlArrays.longs(c, new ArrayList<>(runKeys)));
                ps.setArray(2, SqlArrays.texts(c, new ArrayList<>(taskIds)));
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<String> ids = dev.sluice.task.BranchChoice.ids(Json.value(rs.getString(3)));
                        if (ids != null)
                            out.computeIfAbsent(rs.getLong(1), k -> new HashMap<>())
                                    .put(rs.getString(2), ids);
                    }
                }
            }
        });
        return out;
    }

    /** Of the given runs, those with a task not finished yet: one query for a whole batch. */
    public java.util.Set<Long> withUnfinished(DSLContext tx, Collection<Long> runKeys) {
        if (runKeys.isEmpty()) return new java.util.HashSet<>();
        var step = withUnfinishedStep(runKeys);
        Pipeline.run(tx, step);
        return step.result();
    }

    /** {@link #withUnfinished} as a step of a {@link Pipeline}: it sees what the steps before it wrote. */
    public Pipeline.Step<java.util.Set<Long>> withUnfinishedStep(Collection<Long> runKeys) {
        List<Long> keys = new ArrayList<>(runKeys);
        return Pipeline.query(
                "select distinct run_id from task_instance where run_id = any(?) and state = any(?)",
                (c, ps, i) -> {
                    ps.setArray(i, SqlArrays.longs(c, keys));
                    ps.setArray(i + 1, SqlArrays.texts(c, dbNames(TaskState.UNFINISHED)));
                    return i + 2;
                },
                rs -> {
                    java.util.Set<Long> out = new java.util.HashSet<>();
                    while (rs.next()) out.add(rs.getLong(1));
                    return out;
                });
    }

    public boolean hasUnfinished(DSLContext tx, long runKey) {
        return tx.fetchExists(DSL.selectOne()
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.STATE.in(dbNames(TaskState.UNFINISHED))));
    }

    /** The decider's verdict for one pending task of one run. */
    public record Decision(long runKey, String taskId, TaskState state) {}

    private static final String DECIDE = """
            update task_instance t
            set state = d.state,
                ready_at = case when d.state = 'queued' then ?::timestamptz else t.ready_at end,
                ended_at = case when d.state = 'queued' then t.ended_at else ?::timestamptz end
            from unnest(?::int8[], ?::text[], ?::text[]) as d(run_id, task_id, state)
            where t.run_id = d.run_id and t.task_id = d.task_id and t.state = 'pending'""";

    /**
     * Moves pending tasks to what the decider chose, for any number of runs in one statement. Tasks that became
     * queued are claimable from {@code now}; the others (skipped, upstream failed) ended at {@code now}.
     */
    public void applyDecisions(DSLContext tx, List<Decision> decisions, Instant now) {
        if (decisions.isEmpty()) return;
        Pipeline.run(tx, decisionsStep(decisions, now));
    }

    /** {@link #applyDecisions} as a step of a {@link Pipeline}: the steps after it see the tasks it queued. */
    public Pipeline.Step<Void> decisionsStep(List<Decision> decisions, Instant now) {
        List<Long> runs = new ArrayList<>(decisions.size());
        List<String> taskIds = new ArrayList<>(decisions.size()), states = new ArrayList<>(decisions.size());
        for (Decision d : decisions) {
            // the decider only ever moves pending tasks
            dev.sluice.run.IllegalTransitionException.check("task " + d.taskId(), TaskState.PENDING, d.state());
            runs.add(d.runKey());
            taskIds.add(d.taskId());
            states.add(d.state().dbName());
        }
        return Pipeline.update(DECIDE, (c, ps, i) -> {
            ps.setString(i, now.toString());
            ps.setString(i + 1, now.toString());
            ps.setArray(i + 2, SqlArrays.longs(c, runs));
            ps.setArray(i + 3, SqlArrays.texts(c, taskIds));
            ps.setArray(i + 4, SqlArrays.texts(c, states));
            return i + 5;
        });
    }

    /**
     * One finished attempt's effect on its task instance. {@code readyAt}: null keeps the current one.
     * {@code firstCheckAt}: for a check that ended rescheduled, when its wait began if the row has no such time yet.
     */
    public record Finish(
            long tiId,
            int tryNumber,
            String workerId,
            TaskState state,
            Instant endedAt,
            String error,
            String outputJson,
            Instant readyAt,
            int extraTries,
            Instant firstCheckAt) {}

    private static final String FINISH = """
            with f as (
                update task_instance t
                set state = f.state, ended_at = f.ended_at, error = f.error, output = f.output::jsonb,
                    ready_at = coalesce(f.ready_at, t.ready_at), max_tries = t.max_tries + f.extra_tries,
                    -- a rescheduled wait keeps the time of its first check, a handed-back check goes on with the
                    -- same wait, any other end closes the wait (a retry starts a new one)
                    first_check_at = case f.state when 'up_for_reschedule' then coalesce(t.first_check_at,
                                                                                         f.first_check_at)
                                                  when 'queued' then t.first_check_at end,
                    reschedule_count = t.reschedule_count + case when f.state = 'up_for_reschedule' then 1 else 0 end
                from unnest(?::int8[], ?::int4[], ?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[],
                            ?::timestamptz[], ?::int4[], ?::timestamptz[])
                     as f(id, try_number, worker_id, state, ended_at, error, output, ready_at, extra_tries,
                          first_check_at)
                where t.id = f.id and t.state = 'running' and t.try_number = f.try_number
                  and t.worker_id = f.worker_id
                returning t.id),
            a as (
                update attempt a
                set state = case when exists (select 1 from f where f.id = e.task_instance_id) then e.state
                                 else '%s' end,
                    ended_at = e.ended_at, exit_code = e.exit_code, error = e.error,
                    rendered_config = coalesce(e.rendered_config::jsonb, a.rendered_config), log_bytes = e.log_bytes
                from unnest(?::int8[], ?::int4[], ?::text[], ?::timestamptz[], ?::int4[], ?::text[], ?::text[],
                            ?::int8[])
                     as e(task_instance_id, try_number, state, ended_at, exit_code, error, rendered_config, log_bytes)
                where a.task_instance_id = e.task_instance_id and a.try_number = e.try_number
                  and a.state = '%s')
            select id from f""".formatted(AttemptState.CANCELLED.dbName(), AttemptState.RUNNING.dbName());

    /**
     * Records finished attempts: each task instance's new state and each attempt's end, in one statement (one
     * round trip). Only the claim an attempt belongs to may finish its task instance (same try, same worker, still
     * running): a reaped or cancelled task stays as others left it, and the attempt of a task instance not
     * finished here is recorded as cancelled. {@code finishes} may leave out attempts that change no task
     * instance (cancelled ones); {@code endings} has every attempt. Returns the task instances finished.
     */
    public java.util.Set<Long> finish(DSLContext tx, List<Finish> finishes, List<AttemptRepository.Ending> endings) {
        if (finishes.isEmpty() && endings.isEmpty()) return new java.util.HashSet<>();
        var step = finishStep(finishes, endings);
        Pipeline.run(tx, step);
        return step.result();
    }

    /** {@link #finish} as a step of a {@link Pipeline}: the task instances it finished. */
    public Pipeline.Step<java.util.Set<Long>> finishStep(
            List<Finish> finishes, List<AttemptRepository.Ending> endings) {
        int n = finishes.size();
        List<Long> ids = new ArrayList<>(n);
        List<Integer> tries = new ArrayList<>(n), extra = new ArrayList<>(n);
        List<String> workers = new ArrayList<>(n), states = new ArrayList<>(n), errors = new ArrayList<>(n);
        List<String> outputs = new ArrayList<>(n);
        List<Instant> ended = new ArrayList<>(n), ready = new ArrayList<>(n), firstChecks = new ArrayList<>(n);
        for (Finish f : finishes) {
            ids.add(f.tiId());
            tries.add(f.tryNumber());
            workers.add(f.workerId());
            states.add(f.state().dbName());
            ended.add(f.endedAt());
            errors.add(f.error());
            outputs.add(f.outputJson());
            ready.add(f.readyAt());
            extra.add(f.extraTries());
            firstChecks.add(f.firstCheckAt());
        }
        return Pipeline.query(
                FINISH,
                (c, ps, i) -> {
                    ps.setArray(i, SqlArrays.longs(c, ids));
                    ps.setArray(i + 1, SqlArrays.ints(c, tries));
                    ps.setArray(i + 2, SqlArrays.texts(c, workers));
                    ps.setArray(i + 3, SqlArrays.texts(c, states));
                    ps.setArray(i + 4, SqlArrays.times(c, ended));
                    ps.setArray(i + 5, SqlArrays.texts(c, errors));
                    ps.setArray(i + 6, SqlArrays.texts(c, outputs));
                    ps.setArray(i + 7, SqlArrays.times(c, ready));
                    ps.setArray(i + 8, SqlArrays.ints(c, extra));
                    ps.setArray(i + 9, SqlArrays.times(c, firstChecks));
                    AttemptRepository.bindEndings(c, ps, i + 10, endings);
                    return i + 18;
                },
                rs -> {
                    java.util.Set<Long> won = new java.util.HashSet<>();
                    while (rs.next()) won.add(rs.getLong(1));
                    return won;
                });
    }

    /**
     * Claims up to {@code limit} claimable task instances for {@code workerId} and opens an attempt for each, in
     * one transaction: {@code FOR UPDATE SKIP LOCKED} lets any number of workers claim concurrently without
     * waiting on each other or taking the same row.
     */
    public List<Claimed> claim(
            DSLContext dsl, String workerId, List<String> queues, int limit, Instant now, LogStore logs) {
        if (limit <= 0) return List.of();
        return dsl.transactionResult(cfg -> claimIn(DSL.using(cfg), workerId, queues, limit, now, logs));
    }

    /** The claim's update: claimed rows become running under this worker, with what running them needs. */
    private static final String CLAIM_SET = """
            update task_instance t
            set state = 'running', try_number = t.try_number + 1, worker_id = ?, started_at = ?::timestamptz,
                ended_at = null
            """;

    private static final String CLAIM_RETURNING = """
            returning t.id, t.run_id as run_key, t.dag_id, t.task_id, t.try_number, t.max_tries, r.run_id,
                      r.dag_version_id, r.logical_date, r.data_interval_start, r.data_interval_end, r.params::text,
                      t.first_check_at, t.reschedule_count, t.map_index, t.map_item::text as map_item)""";

    /**
     * The claimed rows' attempts, opened in the claim's own statement (one round trip per claim, not two). The log
     * path is {@link LogStore#path(String, String, String, int, int)} written in SQL: the same safe names (every
     * character outside {@code [A-Za-z0-9._-]} made {@code _}) under the node's log folder, bound as a parameter;
     * TaskInstanceRepositoryTest holds the two equal for awkward names.
     */
    private static final String CLAIM_OPEN = """
            , opened as (
                insert into attempt (task_instance_id, try_number, worker_id, state, started_at, log_path)
                select c.id, c.try_number, ?, '%s', ?::timestamptz,
                       ? || '/' || regexp_replace(c.dag_id, '[^A-Za-z0-9._-]', '_', 'g')
                         || '/' || regexp_replace(c.run_id, '[^A-Za-z0-9._-]', '_', 'g')
                         || '/' || regexp_replace(c.task_id, '[^A-Za-z0-9._-]', '_', 'g')
                         || case when c.map_index >= 0 then '/map-' || c.map_index else '' end
                         || '/attempt-' || c.try_number || '.log'
                from claimed c
                returning task_instance_id, id, log_path)
            select c.id, c.run_key, c.dag_id, c.task_id, c.try_number, c.max_tries, c.run_id, c.dag_version_id,
                   c.logical_date, c.data_interval_start, c.data_interval_end, c.params, c.first_check_at,
                   c.reschedule_count, c.map_index, c.map_item, o.id, o.log_path
            from claimed c join opened o on o.task_instance_id = c.id""".formatted(AttemptState.RUNNING.dbName());

    /** Oldest claimable first, locked without waiting: claimers never block each other nor take the same row. */
    private static final String CLAIM_PICK = """
            with picked as (
                select id from task_instance
                where state in ('queued', 'up_for_retry', 'up_for_reschedule') and %s and ready_at <= ?::timestamptz
                  and map_limit is null
                order by ready_at, id
                limit ?
                for update skip locked),
            claimed as (
            """;

    // One queue as '=' (the claim index's leading column, a plain range scan), several as = any(...).
    private static final String CLAIM_ONE_QUEUE = CLAIM_PICK.formatted("queue = ?") + CLAIM_SET
            + "from picked p, dag_run r where t.id = p.id and r.id = t.run_id\n" + CLAIM_RETURNING + CLAIM_OPEN;
    private static final String CLAIM_QUEUES = CLAIM_PICK.formatted("queue = any(?)") + CLAIM_SET
            + "from picked p, dag_run r where t.id = p.id and r.id = t.run_id\n" + CLAIM_RETURNING + CLAIM_OPEN;
    private static final String CLAIM_IDS = "with claimed as (\n" + CLAIM_SET
            + "from dag_run r where t.id = any(?) and r.id = t.run_id\n" + CLAIM_RETURNING + CLAIM_OPEN;

    /**
     * The claim inside a caller's transaction (the completion path claims what it just made ready). Only tasks on
     * one of {@code queues} are taken. Its statement has constant text whatever the batch: parsed and planned
     * once per connection.
     */
    public List<Claimed> claimIn(
            DSLContext tx, String workerId, List<String> queues, int limit, Instant now, LogStore logs) {
        if (limit <= 0) return List.of();
        if (!limits.mayBind(tx)) {
            var step = claimStep(null, workerId, queues, limit, now, logs);
            Pipeline.run(tx, step);
            return step.result();
        }
        // Some pool or max_active_tasks is below the cluster's capacity: take only what fits (ClaimLimits).
        limits.lock(tx);
        List<Long> ids = limits.candidates(tx, queues, utc(now), limit).fetch(0, Long.class);
        if (ids.isEmpty()) return List.of();
        var step = claimStep(ids, workerId, queues, limit, now, logs);
        Pipeline.run(tx, step);
        return step.result();
    }

    /**
     * The claim as a step of a {@link Pipeline} (sent with the decisions that queued its tasks), or null when pools
     * or max_active_tasks may bind: that claim first reads what fits, so it cannot go in one round trip.
     */
    public Pipeline.Step<List<Claimed>> plainClaimStep(
            DSLContext tx, String workerId, List<String> queues, int limit, Instant now, LogStore logs) {
        if (limit <= 0 || limits.mayBind(tx)) return null;
        return claimStep(null, workerId, queues, limit, now, logs);
    }

    /** The claim's statement: of {@code ids} when given (already limited), else the oldest claimable on queues. */
    private static Pipeline.Step<List<Claimed>> claimStep(
            List<Long> ids, String workerId, List<String> queues, int limit, Instant now, LogStore logs) {
        return Pipeline.query(
                ids != null ? CLAIM_IDS : queues.size() == 1 ? CLAIM_ONE_QUEUE : CLAIM_QUEUES,
                (c, ps, i) -> {
                    if (ids == null) {
                        if (queues.size() == 1) ps.setString(i++, queues.get(0));
                        else ps.setArray(i++, SqlArrays.texts(c, queues));
                        ps.setString(i++, now.toString());
                        ps.setInt(i++, limit);
                    }
                    ps.setString(i++, workerId);
                    ps.setString(i++, now.toString());
                    if (ids != null) ps.setArray(i++, SqlArrays.longs(c, ids));
                    ps.setString(i++, workerId);
                    ps.setString(i++, now.toString());
                    ps.setString(i++, logs.root().toString());
                    return i;
                },
                rs -> {
                    List<Claimed> claimed = new ArrayList<>();
                    while (rs.next()) {
                        var start = rs.getTimestamp(10);
                        var end = rs.getTimestamp(11);
                        String item = rs.getString(16);
                        claimed.add(new Claimed(
                                rs.getLong(1),
                                rs.getLong(2),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getInt(5),
                                rs.getInt(6),
                                rs.getString(7),
                                rs.getLong(8),
                                rs.getTimestamp(9).toInstant(),
                                start == null ? null : start.toInstant(),
                                end == null ? null : end.toInstant(),
                                Json.map(rs.getString(12)),
                                rs.getLong(17),
                                rs.getString(18),
                                rs.getTimestamp(13) == null
                                        ? null
                                        : rs.getTimestamp(13).toInstant(),
                                rs.getInt(14),
                                rs.getInt(15),
                                item == null ? null : Json.value(item)));
                    }
                    return claimed;
                });
    }

    /** Makes the next claim re-read pool and DAG limits now rather than within a second. */
    public void limitsChanged() {
        limits.invalidate();
    }

    /** Outputs of a run's successful unmapped tasks, for {@code {{ tasks.ID.output.KEY }}}. */
    public Map<String, Map<String, Object>> outputs(DSLContext dsl, long runKey) {
        Map<String, Map<String, Object>> out = new HashMap<>();
        dsl.select(TASK_INSTANCE.TASK_ID, TASK_INSTANCE.OUTPUT)
                .from(TASK_INSTANCE)
                .where(
                        TASK_INSTANCE.RUN_ID.eq(runKey),
                        TASK_INSTANCE.MAP_INDEX.eq(-1),
                        TASK_INSTANCE.STATE.eq(TaskState.SUCCESS.dbName()),
                        TASK_INSTANCE.OUTPUT.isNotNull())
                .forEach(r -> out.put(r.value1(), Json.map(r.value2())));
        return out;
    }

    private static final String MAPPED_OUTPUTS = """
            select task_id, json_agg(case when state = 'success' then output end order by map_index)::text
            from task_instance where run_id = ? and map_index >= 0 group by task_id""";

    /**
     * Outputs of a run's expanded mapped tasks, for {@code {{ tasks.ID.output }}}: per task the list of its
     * instances' outputs in map-index order (null where an instance did not succeed), aggregated by the database.
     */
    public Map<String, List<Object>> mappedOutputs(DSLContext dsl, long runKey) {
        Map<String, List<Object>> out = new HashMap<>();
        dsl.connection(c -> {
            try (var ps = c.prepareStatement(MAPPED_OUTPUTS)) {
                ps.setLong(1, runKey);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        @SuppressWarnings("unchecked")
                        List<Object> list = (List<Object>) Json.value(rs.getString(2));
                        out.put(rs.getString(1), list);
                    }
                }
            }
        });
        return out;
    }

    /** Of the given task instances running on this worker, the ones that should no longer run (cancelled, marked). */
    public List<Long> noLongerRunning(DSLContext dsl, String workerId, Collection<Long> tiIds) {
        if (tiIds.isEmpty()) return List.of();
        var stillRunning = new java.util.HashSet<>(dsl.select(TASK_INSTANCE.ID)
                .from(TASK_INSTANCE)
                .where(
                        TASK_INSTANCE.ID.in(tiIds),
                        TASK_INSTANCE.STATE.eq(TaskState.RUNNING.dbName()),
                        TASK_INSTANCE.WORKER_ID.eq(workerId))
                .fetch(TASK_INSTANCE.ID));
        List<Long> gone = new ArrayList<>();
        for (Long id : tiIds) if (!stillRunning.contains(id)) gone.add(id);
        return gone;
    }

    /** Task instances claimed by workers that are no longer alive. */
    /**
     * A running attempt of a stopped worker. {@code onlyItsQueue}: its queue is private to that worker's process
     * ({@link dev.sluice.dag.TaskDef#PRIVATE_QUEUE_PREFIX}), so a retry would wait for a process that is gone.
     */
    public record Orphan(Claimed claimed, String workerId, boolean onlyItsQueue) {}

    /** Task instances still "running" on workers that were declared stopped: their attempts are lost. */
    public List<Orphan> runningOnStoppedWorkers(DSLContext dsl) {
        return dsl.select(
                        TASK_INSTANCE.ID,
                        TASK_INSTANCE.RUN_ID,
                        TASK_INSTANCE.DAG_ID,
                        TASK_INSTANCE.TASK_ID,
                        TASK_INSTANCE.TRY_NUMBER,
                        TASK_INSTANCE.MAX_TRIES,
                        DAG_RUN.RUN_ID,
                        DAG_RUN.DAG_VERSION_ID,
                        DAG_RUN.LOGICAL_DATE,
                        TASK_INSTANCE.WORKER_ID,
                        TASK_INSTANCE.MAP_INDEX,
                        DSL.field(DSL.position(
                                        TASK_INSTANCE.QUEUE, DSL.inline(dev.sluice.dag.TaskDef.PRIVATE_QUEUE_PREFIX))
                                .eq(1)))
                .from(TASK_INSTANCE)
                .join(DAG_RUN)
                .on(DAG_RUN.ID.eq(TASK_INSTANCE.RUN_ID))
                .join(WORKER)
                .on(WORKER.WORKER_ID.eq(TASK_INSTANCE.WORKER_ID))
                .where(TASK_INSTANCE.STATE.eq(TaskState.RUNNING.dbName()), WORKER.STOPPED_AT.isNotNull())
                .fetch(r -> new Orphan(
                        new Claimed(
                                r.value1(),
                                r.value2(),
                                r.value3(),
                                r.value4(),
                                r.value5(),
                                r.value6(),
                                r.value7(),
                                r.value8(),
                                r.value9().toInstant(),
                                null,
                                null,
                                Map.of(),
                                0L,
                                null,
                                null,
                                0,
                                r.value11(),
                                null),
                        r.value10(),
                        Boolean.TRUE.equals(r.value12())));
    }

    /**
     * An operator's cancel or mark: sets the given tasks of a run to {@code to}, each only from a state that may
     * move there (a task that moved on meanwhile is left as it is). A running task set this way is stopped by its
     * worker at the next heartbeat. Returns how many task instances changed.
     */
    public int mark(DSLContext tx, long runKey, Collection<String> taskIds, TaskState to, Instant now) {
        if (taskIds.isEmpty()) return 0;
        return tx.update(TASK_INSTANCE)
                .set(TASK_INSTANCE.STATE, to.dbName())
                .set(TASK_INSTANCE.ENDED_AT, utc(now))
                .where(
                        TASK_INSTANCE.RUN_ID.eq(runKey),
                        TASK_INSTANCE.TASK_ID.in(taskIds),
                        TASK_INSTANCE.STATE.in(dbNames(to.allowedFrom())))
                .execute();
    }

    /**
     * As {@link #mark}, touching only task instances not finished yet: marking a run leaves what already ended as
     * it ended (the successful instances of a mapped task that is still running stay successful).
     */
    public int markUnfinished(DSLContext tx, long runKey, Collection<String> taskIds, TaskState to, Instant now) {
        if (taskIds.isEmpty()) return 0;
        var from = java.util.EnumSet.copyOf(to.allowedFrom());
        from.retainAll(TaskState.UNFINISHED);
        return tx.update(TASK_INSTANCE)
                .set(TASK_INSTANCE.STATE, to.dbName())
                .set(TASK_INSTANCE.ENDED_AT, utc(now))
                .where(
                        TASK_INSTANCE.RUN_ID.eq(runKey),
                        TASK_INSTANCE.TASK_ID.in(taskIds),
                        TASK_INSTANCE.STATE.in(dbNames(from)))
                .execute();
    }

    /**
     * Clears one task for a rerun: back to pending with {@code tries} more tries counted from the tries it has
     * had, its end, error, output, readiness and worker forgotten. Only from a state pending may follow; returns
     * whether it changed.
     */
    public boolean resetForRerun(DSLContext tx, long runKey, String taskId, int tries) {
        // A mapped task with instances that did not succeed reruns only those (the successful ones keep their
        // output); one whose instances all succeeded reruns them all. Unmapped tasks have one row: either way.
        var others = TASK_INSTANCE.as("o");
        var someDidNotSucceed = DSL.exists(DSL.selectOne()
                .from(others)
                .where(
                        others.RUN_ID.eq(runKey),
                        others.TASK_ID.eq(taskId),
                        others.STATE.ne(TaskState.SUCCESS.dbName())));
        return tx.update(TASK_INSTANCE)
                        .set(TASK_INSTANCE.STATE, TaskState.PENDING.dbName())
                        .set(TASK_INSTANCE.MAX_TRIES, TASK_INSTANCE.TRY_NUMBER.plus(tries))
                        .setNull(TASK_INSTANCE.ENDED_AT)
                        .setNull(TASK_INSTANCE.ERROR)
                        .setNull(TASK_INSTANCE.OUTPUT)
                        .setNull(TASK_INSTANCE.READY_AT)
                        .setNull(TASK_INSTANCE.WORKER_ID)
                        .setNull(TASK_INSTANCE.FIRST_CHECK_AT)
                        .where(
                                TASK_INSTANCE.RUN_ID.eq(runKey),
                                TASK_INSTANCE.TASK_ID.eq(taskId),
                                TASK_INSTANCE.STATE.in(dbNames(TaskState.PENDING.allowedFrom())),
                                TASK_INSTANCE
                                        .STATE
                                        .ne(TaskState.SUCCESS.dbName())
                                        .or(DSL.not(someDidNotSucceed)))
                        .execute()
                >= 1;
    }

    private static final String SUMMARIES = """
            select task_id, state, count(*)::int, sum(try_number)::int, max(error), min(id), bool_or(map_index >= 0),
                   sum(reschedule_count)::int
            from task_instance where run_id = ? group by task_id, state order by min(id)""";

    /**
     * Each task of a run in creation order, a mapped task folded into one summary: grouped by the database, so a
     * task of 10,000 instances is a few rows.
     */
    public List<TaskSummary> summaries(DSLContext dsl, long runKey) {
        record Acc(
                Map<TaskState, Integer> counts, int[] attempts, String[] error, boolean[] mapped, int[] rescheduled) {}
        Map<String, Acc> byTask = new java.util.LinkedHashMap<>();
        Map<String, Long> firstId = new HashMap<>();
        dsl.connection(c -> {
            try (var ps = c.prepareStatement(SUMMARIES)) {
                ps.setLong(1, runKey);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String task = rs.getString(1);
                        Acc a = byTask.computeIfAbsent(
                                task,
                                k -> new Acc(
                                        new java.util.EnumMap<>(TaskState.class),
                                        new int[1],
                                        new String[1],
                                        new boolean[1],
                                        new int[1]));
                        a.counts().put(TaskState.fromDb(rs.getString(2)), rs.getInt(3));
                        a.attempts()[0] += rs.getInt(4);
                        if (rs.getString(5) != null && a.error()[0] == null) a.error()[0] = rs.getString(5);
                        a.mapped()[0] |= rs.getBoolean(7);
                        a.rescheduled()[0] += rs.getInt(8);
                        firstId.merge(task, rs.getLong(6), Math::min);
                    }
                }
            }
        });
        List<String> order = new ArrayList<>(byTask.keySet());
        order.sort(java.util.Comparator.comparing(firstId::get));
        List<TaskSummary> out = new ArrayList<>(order.size());
        for (String task : order) {
            Acc a = byTask.get(task);
            int n = a.counts().values().stream().mapToInt(Integer::intValue).sum();
            out.add(new TaskSummary(
                    task,
                    dev.sluice.run.Decider.aggregate(a.counts()),
                    a.attempts()[0],
                    a.error()[0],
                    a.rescheduled()[0],
                    a.mapped()[0] ? n : 0));
        }
        return out;
    }

    public static List<String> dbNames(Collection<TaskState> states) {
        return states.stream().map(TaskState::dbName).toList();
    }
}
