package dev.sluice.engine;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.store.TaskInstanceRepository.utc;

import dev.sluice.dag.TaskDef;
import dev.sluice.run.DagGraph;
import dev.sluice.run.TaskState;
import dev.sluice.store.Json;
import dev.sluice.store.RunRepository;
import dev.sluice.store.TaskInstanceRepository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.impl.DSL;

/**
 * Records a batch of finished attempts in one transaction: each task instance's new state (success, retry or
 * failure), its attempt, and — for every run touched — what becomes ready next and whether the run is done.
 * One transaction per batch, not per task, is what lets thousands of tasks a second through.
 */
final class CompletionRecorder {
    /** What a recorded batch means for the engine: the earliest retry to wake up for, and whether work was queued. */
    record Result(boolean queuedWork, Instant earliestRetry, int recorded) {}

    private final DSLContext dsl;
    private final DagGraphs graphs;
    private final RunRepository runs;
    private final TaskInstanceRepository tasks;
    private final RunCoordinator coordinator;
    private final RunEventBus events;

    CompletionRecorder(DSLContext dsl, DagGraphs graphs, RunRepository runs, TaskInstanceRepository tasks,
                       RunCoordinator coordinator, RunEventBus events) {
        this.events = events;
        this.dsl = dsl;
        this.graphs = graphs;
        this.runs = runs;
        this.tasks = tasks;
        this.coordinator = coordinator;
    }

    Result record(List<Completion> batch, Instant now) {
        return events.publishingAfter(() -> dsl.transactionResult(cfg -> recordIn(DSL.using(cfg), batch, now)));
    }

    private Result recordIn(DSLContext tx, List<Completion> batch, Instant now) {
        Set<Long> runKeys = new TreeSet<>();
        for (Completion c : batch) runKeys.add(c.claimed().runKey());
        runs.lock(tx, runKeys);

        List<Query> tiUpdates = new ArrayList<>(batch.size());
        List<Integer> updateIndex = new ArrayList<>(batch.size());
        List<TaskState> newStates = new ArrayList<>(batch.size());
        Instant earliestRetry = null;
        for (Completion c : batch) {
            var cl = c.claimed();
            TaskState next = nextState(c);
            newStates.add(next);
            if (next == null) continue;
            updateIndex.add(newStates.size() - 1);
            var update = tx.update(TASK_INSTANCE)
                    .set(TASK_INSTANCE.STATE, next.dbName())
                    .set(TASK_INSTANCE.ENDED_AT, utc(c.endedAt()))
                    .set(TASK_INSTANCE.ERROR, c.error());
            if (next == TaskState.SUCCESS) update = update.set(TASK_INSTANCE.OUTPUT, Json.jsonb(c.output()));
            if (next == TaskState.UP_FOR_RETRY) {
                TaskDef def = graphs.dag(cl.dagVersionId()).task(cl.taskId());
                Instant readyAt = c.endedAt().plus(def.delayBeforeTry(cl.tryNumber() + 1));
                update = update.set(TASK_INSTANCE.READY_AT, utc(readyAt));
                if (earliestRetry == null || readyAt.isBefore(earliestRetry)) earliestRetry = readyAt;
            }
            // Only the claim this attempt belongs to may finish it: a reaped or cancelled task stays as others left it.
            tiUpdates.add(update.where(TASK_INSTANCE.ID.eq(cl.tiId()),
                    TASK_INSTANCE.STATE.eq(TaskState.RUNNING.dbName()),
                    TASK_INSTANCE.TRY_NUMBER.eq(cl.tryNumber()),
                    TASK_INSTANCE.WORKER_ID.eq(c.workerId())));
        }
        int[] counts = new int[batch.size()];
        if (!tiUpdates.isEmpty()) {
            int[] done = tx.batch(tiUpdates.toArray(Query[]::new)).execute();
            for (int i = 0; i < done.length; i++) counts[updateIndex.get(i)] = done[i];
        }

        List<Query> attemptUpdates = new ArrayList<>(batch.size());
        Map<Long, List<String>> finishedByRun = new HashMap<>();
        Map<Long, Long> versionByRun = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Completion c = batch.get(i);
            boolean won = counts[i] == 1;
            String attemptState = won ? c.outcome().attemptState : Outcome.CANCELLED.attemptState;
            attemptUpdates.add(tx.update(ATTEMPT)
                    .set(ATTEMPT.STATE, attemptState)
                    .set(ATTEMPT.ENDED_AT, utc(c.endedAt()))
                    .set(ATTEMPT.EXIT_CODE, c.exitCode())
                    .set(ATTEMPT.ERROR, c.error())
                    .where(ATTEMPT.TASK_INSTANCE_ID.eq(c.claimed().tiId()), ATTEMPT.TRY_NUMBER.eq(c.claimed().tryNumber()),
                            ATTEMPT.STATE.eq("running")));
            if (won && events.active()) raiseTaskFinished(c, newStates.get(i));
            if (won && newStates.get(i).isTerminal()) {
                finishedByRun.computeIfAbsent(c.claimed().runKey(), k -> new ArrayList<>()).add(c.claimed().taskId());
                versionByRun.put(c.claimed().runKey(), c.claimed().dagVersionId());
            }
        }
        tx.batch(attemptUpdates.toArray(Query[]::new)).execute();

        boolean queued = decideRuns(tx, finishedByRun, versionByRun, now);
        if (queued) RunCoordinator.notifyWorkers(tx);
        return new Result(queued, earliestRetry, batch.size());
    }

    /**
     * For runs where a task finished: re-evaluate its downstream tasks, or, when it had none, only check whether
     * the run is complete. Loading a run's task states is skipped entirely while nothing can change.
     */
    private boolean decideRuns(DSLContext tx, Map<Long, List<String>> finishedByRun, Map<Long, Long> versionByRun,
                               Instant now) {
        Set<Long> toDecide = new LinkedHashSet<>();
        for (var e : finishedByRun.entrySet()) {
            DagGraph graph = graphs.graph(versionByRun.get(e.getKey()));
            boolean anyDownstream = e.getValue().stream().anyMatch(graph::hasDownstream);
            if (anyDownstream || !tasks.hasUnfinished(tx, e.getKey())) toDecide.add(e.getKey());
        }
        if (toDecide.isEmpty()) return false;
        boolean queued = false;
        var states = tasks.states(tx, toDecide);
        for (long runKey : toDecide) {
            queued |= coordinator.decide(tx, runKey, versionByRun.get(runKey), states.get(runKey), now);
        }
        return queued;
    }

    private void raiseTaskFinished(Completion c, TaskState state) {
        var cl = c.claimed();
        var e = new RunEvents.TaskFinished(cl.dagId(), cl.dagVersionId(), cl.runKey(), cl.runId(), cl.logicalDate(),
                cl.taskId(), cl.tryNumber(), cl.maxTries(), state, c.error());
        events.raise(l -> l.taskFinished(e));
    }

    /** The task instance's state after this attempt; null when the attempt was cancelled (nothing to record). */
    private static TaskState nextState(Completion c) {
        return switch (c.outcome()) {
            case SUCCESS -> TaskState.SUCCESS;
            case CANCELLED -> null;
            case FAILED, TIMED_OUT, LOST -> c.claimed().tryNumber() < c.claimed().maxTries()
                    ? TaskState.UP_FOR_RETRY : TaskState.FAILED;
        };
    }
}
