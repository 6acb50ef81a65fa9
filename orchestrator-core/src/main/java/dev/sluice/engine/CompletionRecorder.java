package dev.sluice.engine;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.store.TaskInstanceRepository.utc;

import dev.sluice.dag.TaskDef;
import dev.sluice.run.DagGraph;
import dev.sluice.run.TaskState;
import dev.sluice.store.Json;
import dev.sluice.store.LogStore;
import dev.sluice.store.RunRepository;
import dev.sluice.store.TaskInstanceRepository;
import dev.sluice.store.TaskInstanceRepository.Claimed;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Row8;
import org.jooq.Row9;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Records a batch of finished attempts in one transaction: each task instance's new state (success, retry or
 * failure), its attempt, and — for every run touched — what becomes ready next and whether the run is done.
 * One transaction per batch, not per task, is what lets thousands of tasks a second through.
 */
final class CompletionRecorder {
    /** What a recorded batch means for the engine: the earliest retry to wake up for, and whether work was queued. */
    record Result(boolean queuedWork, Instant earliestRetry, int recorded, List<Claimed> claimed) {}

    private final DSLContext dsl;
    private final DagGraphs graphs;
    private final RunRepository runs;
    private final TaskInstanceRepository tasks;
    private final RunCoordinator coordinator;
    private final RunEventBus events;

    CompletionRecorder(
            DSLContext dsl,
            DagGraphs graphs,
            RunRepository runs,
            TaskInstanceRepository tasks,
            RunCoordinator coordinator,
            RunEventBus events) {
        this.events = events;
        this.dsl = dsl;
        this.graphs = graphs;
        this.runs = runs;
        this.tasks = tasks;
        this.coordinator = coordinator;
    }

    Result record(List<Completion> batch, Instant now) {
        return record(batch, now, null, List.of(), 0, null);
    }

    /**
     * Records the batch and, when it made work ready and {@code claimFor} has free slots, claims that work in the
     * same transaction: the hand-off from upstream end to downstream start then costs one commit, not two.
     */
    Result record(
            List<Completion> batch, Instant now, String claimFor, List<String> queues, int freeSlots, LogStore logs) {
        return events.publishingAfter(() ->
                dsl.transactionResult(cfg -> recordIn(DSL.using(cfg), batch, now, claimFor, queues, freeSlots, logs)));
    }

    private Result recordIn(
            DSLContext tx,
            List<Completion> batch,
            Instant now,
            String claimFor,
            List<String> queues,
            int freeSlots,
            LogStore logs) {
        Set<Long> runKeys = new TreeSet<>();
        for (Completion c : batch) runKeys.add(c.claimed().runKey());
        runs.lock(tx, runKeys);

        // One UPDATE ... FROM (VALUES ...) for the whole batch instead of a statement per task: at thousands of
        // tasks a second the round trips, not the rows, are the cost.
        List<Row9<Long, Integer, Integer, String, String, OffsetDateTime, String, JSONB, OffsetDateTime>> tiRows =
                new ArrayList<>();
        List<TaskState> newStates = new ArrayList<>(batch.size());
        Instant earliestRetry = null;
        for (Completion c : batch) {
            var cl = c.claimed();
            TaskState next = nextState(c);
            newStates.add(next);
            if (next == null) continue;
            OffsetDateTime readyAt = null;
            if (next == TaskState.QUEUED) readyAt = utc(c.endedAt());
            if (next == TaskState.UP_FOR_RETRY) {
                TaskDef def = graphs.dag(cl.dagVersionId()).task(cl.taskId());
                Instant at = c.endedAt().plus(def.delayBeforeTry(cl.tryNumber() + 1));
                readyAt = utc(at);
                if (earliestRetry == null || at.isBefore(earliestRetry)) earliestRetry = at;
            }
            // A handed-back attempt keeps its row (history) and its try number, so the task gets one more try.
            int extraTries = next == TaskState.QUEUED ? 1 : 0;
            tiRows.add(DSL.row(
                    DSL.val(cl.tiId()),
                    DSL.val(extraTries),
                    DSL.val(cl.tryNumber()),
                    DSL.val(c.workerId()),
                    DSL.val(next.dbName()),
                    DSL.val(utc(c.endedAt()), SQLDataType.TIMESTAMPWITHTIMEZONE),
                    DSL.val(c.error(), SQLDataType.CLOB),
                    DSL.val(next == TaskState.SUCCESS ? Json.jsonb(c.output()) : null, SQLDataType.JSONB),
                    DSL.val(readyAt, SQLDataType.TIMESTAMPWITHTIMEZONE)));
        }
        Set<Long> won = new HashSet<>();
        if (!tiRows.isEmpty()) {
            @SuppressWarnings("unchecked")
            Table<?> v = DSL.values(tiRows.toArray(Row9[]::new))
                    .as(
                            "v",
                            "id",
                            "extra_tries",
                            "try_number",
                            "worker_id",
                            "state",
                            "ended_at",
                            "error",
                            "output",
                            "ready_at");
            // Only the claim this attempt belongs to may finish it: a reaped or cancelled task stays as others left it.
            won.addAll(tx.update(TASK_INSTANCE)
                    .set(TASK_INSTANCE.STATE, v.field("state", String.class))
                    .set(TASK_INSTANCE.ENDED_AT, v.field("ended_at", OffsetDateTime.class))
                    .set(TASK_INSTANCE.ERROR, v.field("error", String.class))
                    .set(TASK_INSTANCE.OUTPUT, v.field("output", JSONB.class))
                    .set(
                            TASK_INSTANCE.READY_AT,
                            DSL.coalesce(v.field("ready_at", OffsetDateTime.class), TASK_INSTANCE.READY_AT))
                    .set(TASK_INSTANCE.MAX_TRIES, TASK_INSTANCE.MAX_TRIES.plus(v.field("extra_tries", Integer.class)))
                    .from(v)
                    .where(
                            TASK_INSTANCE.ID.eq(v.field("id", Long.class)),
                            TASK_INSTANCE.STATE.eq(TaskState.RUNNING.dbName()),
                            TASK_INSTANCE.TRY_NUMBER.eq(v.field("try_number", Integer.class)),
                            TASK_INSTANCE.WORKER_ID.eq(v.field("worker_id", String.class)))
                    .returningResult(TASK_INSTANCE.ID)
                    .fetch(TASK_INSTANCE.ID));
        }

        List<Row8<Long, Integer, String, OffsetDateTime, Integer, String, JSONB, Long>> attemptRows =
                new ArrayList<>(batch.size());
        Map<Long, List<String>> finishedByRun = new HashMap<>();
        Map<Long, Long> versionByRun = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Completion c = batch.get(i);
            boolean recorded = won.contains(c.claimed().tiId());
            String attemptState = recorded ? c.outcome().attemptState : Outcome.CANCELLED.attemptState;
            attemptRows.add(DSL.row(
                    DSL.val(c.claimed().tiId()),
                    DSL.val(c.claimed().tryNumber()),
                    DSL.val(attemptState),
                    DSL.val(utc(c.endedAt()), SQLDataType.TIMESTAMPWITHTIMEZONE),
                    DSL.val(c.exitCode(), SQLDataType.INTEGER),
                    DSL.val(c.error(), SQLDataType.CLOB),
                    DSL.val(c.renderedConfig() == null ? null : Json.jsonb(c.renderedConfig()), SQLDataType.JSONB),
                    DSL.val(c.logBytes(), SQLDataType.BIGINT)));
            if (recorded && events.active() && c.outcome() != Outcome.HANDED_BACK)
                raiseTaskFinished(c, newStates.get(i));
            if (recorded && newStates.get(i).isTerminal()) {
                finishedByRun
                        .computeIfAbsent(c.claimed().runKey(), k -> new ArrayList<>())
                        .add(c.claimed().taskId());
                versionByRun.put(c.claimed().runKey(), c.claimed().dagVersionId());
            }
        }
        @SuppressWarnings("unchecked")
        Table<?> a = DSL.values(attemptRows.toArray(Row8[]::new))
                .as(
                        "a",
                        "task_instance_id",
                        "try_number",
                        "state",
                        "ended_at",
                        "exit_code",
                        "error",
                        "rendered_config",
                        "log_bytes");
        tx.update(ATTEMPT)
                .set(ATTEMPT.STATE, a.field("state", String.class))
                .set(ATTEMPT.ENDED_AT, a.field("ended_at", OffsetDateTime.class))
                .set(ATTEMPT.EXIT_CODE, a.field("exit_code", Integer.class))
                .set(ATTEMPT.ERROR, a.field("error", String.class))
                .set(
                        ATTEMPT.RENDERED_CONFIG,
                        DSL.coalesce(a.field("rendered_config", JSONB.class), ATTEMPT.RENDERED_CONFIG))
                .set(ATTEMPT.LOG_BYTES, a.field("log_bytes", Long.class))
                .from(a)
                .where(
                        ATTEMPT.TASK_INSTANCE_ID.eq(a.field("task_instance_id", Long.class)),
                        ATTEMPT.TRY_NUMBER.eq(a.field("try_number", Integer.class)),
                        ATTEMPT.STATE.eq("running"))
                .execute();

        boolean queued = decideRuns(tx, finishedByRun, versionByRun, now);
        List<Claimed> claimed = List.of();
        if (queued && claimFor != null && freeSlots > 0)
            claimed = tasks.claimIn(tx, claimFor, queues, freeSlots, now, logs);
        // other engines may have free slots too, or this one claimed only part of what became ready
        if (queued) RunCoordinator.notifyWorkers(tx);
        return new Result(queued, earliestRetry, batch.size(), claimed);
    }

    /**
     * For runs where a task finished: re-evaluate its downstream tasks, or, when it had none, only check whether
     * the run is complete. Loading a run's task states is skipped entirely while nothing can change.
     */
    private boolean decideRuns(
            DSLContext tx, Map<Long, List<String>> finishedByRun, Map<Long, Long> versionByRun, Instant now) {
        Set<Long> toDecide = new LinkedHashSet<>();
        for (var e : finishedByRun.entrySet()) {
            DagGraph graph = graphs.graph(versionByRun.get(e.getKey()));
            boolean anyDownstream = e.getValue().stream().anyMatch(graph::hasDownstream);
            if (anyDownstream || !tasks.hasUnfinished(tx, e.getKey())) toDecide.add(e.getKey());
        }
        if (toDecide.isEmpty()) return false;
        return coordinator.decideAll(tx, versionByRun, tasks.states(tx, toDecide), now);
    }

    private void raiseTaskFinished(Completion c, TaskState state) {
        var cl = c.claimed();
        var e = new RunEvents.TaskFinished(
                cl.dagId(),
                cl.dagVersionId(),
                cl.runKey(),
                cl.runId(),
                cl.logicalDate(),
                cl.taskId(),
                cl.tryNumber(),
                cl.maxTries(),
                state,
                c.error());
        events.raise(l -> l.taskFinished(e));
    }

    /** The task instance's state after this attempt; null when the attempt was cancelled (nothing to record). */
    private static TaskState nextState(Completion c) {
        return switch (c.outcome()) {
            case SUCCESS -> TaskState.SUCCESS;
            case CANCELLED -> null;
            case FAILED, TIMED_OUT, LOST ->
                c.claimed().tryNumber() < c.claimed().maxTries() ? TaskState.UP_FOR_RETRY : TaskState.FAILED;
            case HANDED_BACK -> TaskState.QUEUED;
        };
    }
}
