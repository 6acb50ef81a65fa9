package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.db.jooq.Tables.WORKER;

import dev.sluice.dag.Dag;
import dev.sluice.dag.TaskDef;
import dev.sluice.run.TaskState;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Query;
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
            String logPath) {}

    /** Creates every task instance of a new run as pending, in one multi-row insert. */
    public void insertPending(DSLContext tx, long runKey, Dag dag) {
        insertPending(tx, runKey, dag, null);
    }

    /**
     * @param queueOverride when not null, every task of the run goes to this queue instead of its own (a run that
     *                      only one process may execute, e.g. {@code sluice dags test})
     */
    public void insertPending(DSLContext tx, long runKey, Dag dag, String queueOverride) {
        var insert = tx.insertInto(
                TASK_INSTANCE,
                TASK_INSTANCE.RUN_ID,
                TASK_INSTANCE.DAG_ID,
                TASK_INSTANCE.TASK_ID,
                TASK_INSTANCE.STATE,
                TASK_INSTANCE.MAX_TRIES,
                TASK_INSTANCE.PRIORITY,
                TASK_INSTANCE.POOL,
                TASK_INSTANCE.QUEUE);
        for (TaskDef t : dag.tasks()) {
            insert = insert.values(
                    runKey,
                    dag.id(),
                    t.id(),
                    TaskState.PENDING.dbName(),
                    t.retries() + 1,
                    t.priority(),
                    t.pool(),
                    queueOverride != null ? queueOverride : t.queue());
        }
        insert.execute();
    }

    public Map<String, TaskState> states(DSLContext tx, long runKey) {
        Map<String, TaskState> out = new HashMap<>();
        tx.select(TASK_INSTANCE.TASK_ID, TASK_INSTANCE.STATE)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey))
                .forEach(r -> out.put(r.value1(), TaskState.fromDb(r.value2())));
        return out;
    }

    /** States of several runs in one query: no N+1 when a batch of completions touches many runs. */
    public Map<Long, Map<String, TaskState>> states(DSLContext tx, Collection<Long> runKeys) {
        Map<Long, Map<String, TaskState>> out = new HashMap<>();
        if (runKeys.isEmpty()) return out;
        tx.select(TASK_INSTANCE.RUN_ID, TASK_INSTANCE.TASK_ID, TASK_INSTANCE.STATE)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.in(runKeys))
                .forEach(r -> out.computeIfAbsent(r.value1(), k -> new HashMap<>())
                        .put(r.value2(), TaskState.fromDb(r.value3())));
        return out;
    }

    public boolean hasUnfinished(DSLContext tx, long runKey) {
        return tx.fetchExists(DSL.selectOne()
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.STATE.in(dbNames(TaskState.UNFINISHED))));
    }

    /**
     * Builds the updates that move pending tasks to what the decider chose; one statement per target state.
     * Tasks that became queued are claimable from {@code now}.
     */
    public List<Query> decisionUpdates(DSLContext tx, long runKey, Map<String, TaskState> changes, Instant now) {
        Map<TaskState, List<String>> byState = new EnumMap<>(TaskState.class);
        changes.forEach((task, state) ->
                byState.computeIfAbsent(state, s -> new ArrayList<>()).add(task));
        List<Query> queries = new ArrayList<>();
        byState.forEach((state, tasks) -> {
            var update = tx.update(TASK_INSTANCE).set(TASK_INSTANCE.STATE, state.dbName());
            if (state == TaskState.QUEUED) update = update.set(TASK_INSTANCE.READY_AT, utc(now));
            else update = update.set(TASK_INSTANCE.ENDED_AT, utc(now));
            // the decider only ever moves pending tasks
            dev.sluice.run.IllegalTransitionException.check("tasks " + tasks, TaskState.PENDING, state);
            queries.add(update.where(
                    TASK_INSTANCE.RUN_ID.eq(runKey),
                    TASK_INSTANCE.TASK_ID.in(tasks),
                    TASK_INSTANCE.STATE.eq(TaskState.PENDING.dbName())));
        });
        return queries;
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

    /**
     * The claim inside a caller's transaction (the completion path claims what it just made ready). Only tasks on
     * one of {@code queues} are taken.
     */
    public List<Claimed> claimIn(
            DSLContext tx, String workerId, List<String> queues, int limit, Instant now, LogStore logs) {
        if (limit <= 0) return List.of();
        OffsetDateTime t = utc(now);
        {
            org.jooq.Select<? extends org.jooq.Record1<Long>> candidates;
            if (limits.mayBind(tx)) {
                // Some pool or max_active_tasks is below the cluster's capacity: take only what fits (ClaimLimits).
                limits.lock(tx);
                candidates = limits.candidates(tx, queues, t, limit);
            } else {
                candidates = DSL.select(TASK_INSTANCE.ID)
                        .from(TASK_INSTANCE)
                        .where(TASK_INSTANCE.STATE.in(TaskState.QUEUED.dbName(), TaskState.UP_FOR_RETRY.dbName()))
                        .and(queueIn(queues))
                        .and(TASK_INSTANCE.READY_AT.le(t))
                        .orderBy(TASK_INSTANCE.READY_AT, TASK_INSTANCE.ID)
                        .limit(limit)
                        .forUpdate()
                        .skipLocked();
            }
            var rows = tx.update(TASK_INSTANCE)
                    .set(TASK_INSTANCE.STATE, TaskState.RUNNING.dbName())
                    .set(TASK_INSTANCE.TRY_NUMBER, TASK_INSTANCE.TRY_NUMBER.plus(1))
                    .set(TASK_INSTANCE.WORKER_ID, workerId)
                    .set(TASK_INSTANCE.STARTED_AT, t)
                    .set(TASK_INSTANCE.ENDED_AT, (OffsetDateTime) null)
                    .from(DAG_RUN)
                    .where(TASK_INSTANCE.ID.in(candidates))
                    .and(DAG_RUN.ID.eq(TASK_INSTANCE.RUN_ID))
                    .returningResult(
                            TASK_INSTANCE.ID,
                            TASK_INSTANCE.RUN_ID,
                            TASK_INSTANCE.DAG_ID,
                            TASK_INSTANCE.TASK_ID,
                            TASK_INSTANCE.TRY_NUMBER,
                            TASK_INSTANCE.MAX_TRIES,
                            DAG_RUN.RUN_ID,
                            DAG_RUN.DAG_VERSION_ID,
                            DAG_RUN.LOGICAL_DATE,
                            DAG_RUN.DATA_INTERVAL_START,
                            DAG_RUN.DATA_INTERVAL_END,
                            DAG_RUN.PARAMS)
                    .fetch();
            if (rows.isEmpty()) return List.<Claimed>of();
            var insert = tx.insertInto(
                    ATTEMPT,
                    ATTEMPT.TASK_INSTANCE_ID,
                    ATTEMPT.TRY_NUMBER,
                    ATTEMPT.WORKER_ID,
                    ATTEMPT.STATE,
                    ATTEMPT.STARTED_AT,
                    ATTEMPT.LOG_PATH);
            Map<Long, String> logPaths = new HashMap<>();
            for (var r : rows) {
                String logPath = logs.path(r.value3(), r.value7(), r.value4(), r.value5())
                        .toString();
                logPaths.put(r.value1(), logPath);
                insert = insert.values(r.value1(), r.value5(), workerId, "running", t, logPath);
            }
            Map<Long, Long> attemptIds = new HashMap<>();
            insert.returningResult(ATTEMPT.TASK_INSTANCE_ID, ATTEMPT.ID)
                    .fetch()
                    .forEach(a -> attemptIds.put(a.value1(), a.value2()));
            List<Claimed> claimed = new ArrayList<>(rows.size());
            for (var r : rows) {
                claimed.add(new Claimed(
                        r.value1(),
                        r.value2(),
                        r.value3(),
                        r.value4(),
                        r.value5(),
                        r.value6(),
                        r.value7(),
                        r.value8(),
                        r.value9().toInstant(),
                        r.value10() == null ? null : r.value10().toInstant(),
                        r.value11() == null ? null : r.value11().toInstant(),
                        Json.map(r.value12()),
                        attemptIds.get(r.value1()),
                        logPaths.get(r.value1())));
            }
            return claimed;
        }
    }

    /** Makes the next claim re-read pool and DAG limits now rather than within a second. */
    public void limitsChanged() {
        limits.invalidate();
    }

    /** Outputs of a run's successful tasks, for {@code {{ tasks.ID.output.KEY }}}. */
    public Map<String, Map<String, Object>> outputs(DSLContext dsl, long runKey) {
        Map<String, Map<String, Object>> out = new HashMap<>();
        dsl.select(TASK_INSTANCE.TASK_ID, TASK_INSTANCE.OUTPUT)
                .from(TASK_INSTANCE)
                .where(
                        TASK_INSTANCE.RUN_ID.eq(runKey),
                        TASK_INSTANCE.STATE.eq(TaskState.SUCCESS.dbName()),
                        TASK_INSTANCE.OUTPUT.isNotNull())
                .forEach(r -> out.put(r.value1(), Json.map(r.value2())));
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
    public record Orphan(Claimed claimed, String workerId) {}

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
                        TASK_INSTANCE.WORKER_ID)
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
                                null),
                        r.value10()));
    }

    public List<dev.sluice.engine.RunCoordinator.TaskSummary> summaries(DSLContext dsl, long runKey) {
        return dsl.select(TASK_INSTANCE.TASK_ID, TASK_INSTANCE.STATE, TASK_INSTANCE.TRY_NUMBER, TASK_INSTANCE.ERROR)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey))
                .orderBy(TASK_INSTANCE.ID)
                .fetch(r -> new dev.sluice.engine.RunCoordinator.TaskSummary(
                        r.value1(), TaskState.fromDb(r.value2()), r.value3(), r.value4()));
    }

    public static List<String> dbNames(Collection<TaskState> states) {
        return states.stream().map(TaskState::dbName).toList();
    }
}
