package dev.sluice.engine;

import dev.sluice.dag.TaskDef;
import dev.sluice.run.DagGraph;
import dev.sluice.run.TaskState;
import dev.sluice.store.AssetRepository;
import dev.sluice.store.AttemptRepository;
import dev.sluice.store.Json;
import dev.sluice.store.LogStore;
import dev.sluice.store.Pipeline;
import dev.sluice.store.RunRepository;
import dev.sluice.store.TaskInstanceRepository;
import dev.sluice.store.TaskInstanceRepository.Claimed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Records a batch of finished attempts in one transaction: each task instance's new state (success, retry or
 * failure), its attempt, and — for every run touched — what becomes ready next and whether the run is done.
 * One transaction per batch, not per task, is what lets thousands of tasks a second through.
 */
final class CompletionRecorder {
    /**
     * What a recorded batch means for the engine: the earliest retry or rescheduled check to wake up for, every
     * such time ({@code readyLater}), whether work was queued, and whether a claim was made in the batch's
     * transaction ({@code claimTried}; {@code claimed} is what it got).
     */
    record Result(
            boolean queuedWork,
            Instant earliestRetry,
            int recorded,
            boolean claimTried,
            List<Claimed> claimed,
            List<Instant> readyLater) {}

    private final DSLContext dsl;
    private final DagGraphs graphs;
    private final RunRepository runs;
    private final TaskInstanceRepository tasks;
    private final RunProgress progress;
    private final RunEventBus events;
    private final AssetRepository assets = new AssetRepository();

    CompletionRecorder(
            DSLContext dsl,
            DagGraphs graphs,
            RunRepository runs,
            TaskInstanceRepository tasks,
            RunProgress progress,
            RunEventBus events) {
        this.events = events;
        this.dsl = dsl;
        this.graphs = graphs;
        this.runs = runs;
        this.tasks = tasks;
        this.progress = progress;
    }

    Result record(List<Completion> batch, Instant now) {
        return record(batch, now, null, List.of(), 0, false, null);
    }

    /**
     * Records the batch and, when it made work ready and {@code claimFor} has free slots, claims that work in the
     * same transaction: the hand-off from upstream end to downstream start then costs one commit, not two. With
     * {@code backlog} (the worker's last claim filled every slot it offered, so more work is likely waiting) the
     * batch's slots are offered even when it made nothing ready: a wide run's finished tasks then hand their slots
     * to its next tasks in their own commit, instead of waking the claim loop for a transaction of its own.
     */
    Result record(
            List<Completion> batch,
            Instant now,
            String claimFor,
            List<String> queues,
            int freeSlots,
            boolean backlog,
            LogStore logs) {
        return events.publishingAfter(() -> dsl.transactionResult(
                cfg -> recordIn(DSL.using(cfg), batch, now, claimFor, queues, freeSlots, backlog, logs)));
    }

    private Result recordIn(
            DSLContext tx,
            List<Completion> batch,
            Instant now,
            String claimFor,
            List<String> queues,
            int freeSlots,
            boolean backlog,
            LogStore logs) {
        // Completions of two tasks of one run serialise on the run's row until commit, so the later one sees the
        // earlier one's result when it decides what becomes ready. Taken first, in id order, as operator actions
        // (RunControl) take it: a lock order shared by everyone cannot deadlock.
        Set<Long> runKeys = new TreeSet<>();
        for (Completion c : batch) runKeys.add(c.claimed().runKey());

        // One statement for the whole batch instead of one per task, with constant text (arrays of values): at
        // thousands of tasks a second the round trips and the rendering and parsing of SQL, not the rows, cost most.
        List<TaskInstanceRepository.Finish> finishes = new ArrayList<>(batch.size());
        List<TaskState> newStates = new ArrayList<>(batch.size());
        Instant earliestRetry = null;
        List<Instant> readyLater = new ArrayList<>();
        for (Completion c : batch) {
            var cl = c.claimed();
            TaskState next = nextState(c);
            newStates.add(next);
            if (next == null) continue;
            Instant readyAt = null;
            if (next == TaskState.QUEUED) readyAt = c.endedAt();
            if (next == TaskState.UP_FOR_RETRY) {
                TaskDef def = graphs.graph(cl.dagVersionId()).task(cl.taskId());
                // counted in tries spent: checks that ended rescheduled do not make the backoff grow
                readyAt = c.endedAt().plus(def.delayBeforeTry(cl.triesSpent() + 1));
            }
            if (next == TaskState.UP_FOR_RESCHEDULE) readyAt = c.reschedule().nextCheckAt();
            // Both wake this engine when due (Worker.nextRetry); other engines find them at their next poll.
            if (readyAt != null && next != TaskState.QUEUED) {
                readyLater.add(readyAt);
                if (earliestRetry == null || readyAt.isBefore(earliestRetry)) earliestRetry = readyAt;
            }
            // A handed-back attempt or a rescheduled check keeps its row (history) and its try number, so the task
            // gets one more try: neither spends one.
            int extraTries = next == TaskState.QUEUED || next == TaskState.UP_FOR_RESCHEDULE ? 1 : 0;
            finishes.add(new TaskInstanceRepository.Finish(
                    cl.tiId(),
                    cl.tryNumber(),
                    c.workerId(),
                    next,
                    c.endedAt(),
                    c.error(),
                    next == TaskState.SUCCESS ? Json.write(c.output() == null ? Map.of() : c.output()) : null,
                    readyAt,
                    extraTries,
                    c.reschedule() == null ? null : c.reschedule().firstCheckAt()));
        }
        List<AttemptRepository.Ending> endings = new ArrayList<>(batch.size());
        for (Completion c : batch) {
            endings.add(new AttemptRepository.Ending(
                    c.claimed().tiId(),
                    c.claimed().tryNumber(),
                    // recorded as cancelled instead when its task instance is not finished here (see finish)
                    c.outcome().attemptState,
                    c.endedAt(),
                    c.exitCode(),
                    c.error(),
                    c.renderedConfig() == null ? null : Json.write(c.renderedConfig()),
                    c.logBytes()));
        }
        // The lock, the writes and what deciding needs are read back in one round trip (Pipeline): the states of
        // runs where a task with downstream tasks ends, and whether runs where only leaves end have anything left.
        // Which tasks end is known before the statements run; one that loses its race (reaped, cancelled) only
        // makes a read unneeded, and decideRuns reads anything this guess missed.
        Set<Long> withDownstream = new LinkedHashSet<>(), leavesOnly = new LinkedHashSet<>();
        for (int i = 0; i < batch.size(); i++) {
            var cl = batch.get(i).claimed();
            if (newStates.get(i) == null || !newStates.get(i).isTerminal()) continue;
            if (graphs.graph(cl.dagVersionId()).hasDownstream(cl.taskId())) withDownstream.add(cl.runKey());
            else leavesOnly.add(cl.runKey());
        }
        leavesOnly.removeAll(withDownstream);
        var finishStep = tasks.finishStep(finishes, endings);
        var statesStep = withDownstream.isEmpty() ? null : tasks.statesStep(withDownstream);
        var unfinishedStep = leavesOnly.isEmpty() ? null : tasks.withUnfinishedStep(leavesOnly);
        List<Pipeline.Step<?>> steps = new ArrayList<>(List.of(runs.lockStep(runKeys), finishStep));
        if (statesStep != null) steps.add(statesStep);
        if (unfinishedStep != null) steps.add(unfinishedStep);
        // A batch of leaves only (a wide run's tasks) makes nothing ready, unless it ends a run: with a backlog,
        // the claim for its slots goes in this same round trip rather than one of its own after the decisions.
        boolean wantsClaim = backlog && claimFor != null && freeSlots > 0;
        var earlyClaim = wantsClaim && withDownstream.isEmpty()
                ? tasks.plainClaimStep(tx, claimFor, queues, freeSlots, now, logs)
                : null;
        if (earlyClaim != null) steps.add(earlyClaim);
        Pipeline.run(tx, steps.toArray(Pipeline.Step<?>[]::new));
        Set<Long> won = finishStep.result();
        Read read = new Read(
                statesStep == null ? Map.of() : statesStep.result(),
                leavesOnly,
                unfinishedStep == null ? Set.of() : unfinishedStep.result());
        recordAssetEvents(tx, batch, newStates, won);

        Map<Long, List<String>> finishedByRun = new HashMap<>();
        Map<Long, Long> versionByRun = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Completion c = batch.get(i);
            boolean recorded = won.contains(c.claimed().tiId());
            if (recorded && events.active() && c.outcome() != Outcome.HANDED_BACK && c.outcome() != Outcome.RESCHEDULED)
                raiseTaskFinished(c, newStates.get(i));
            if (recorded && newStates.get(i).isTerminal()) {
                finishedByRun
                        .computeIfAbsent(c.claimed().runKey(), k -> new ArrayList<>())
                        .add(c.claimed().taskId());
                versionByRun.put(c.claimed().runKey(), c.claimed().dagVersionId());
            }
        }

        List<TaskInstanceRepository.Decision> madeReady = new ArrayList<>();
        // The claim of what the decisions queue goes in the decisions' own round trip when it can (no pool or
        // max_active_tasks binding): the statement after them sees the tasks they queued.
        List<Pipeline.Step<List<Claimed>>> sentClaim = new ArrayList<>(1);
        if (earlyClaim != null) sentClaim.add(earlyClaim);
        boolean queued = decideRuns(tx, finishedByRun, versionByRun, now, madeReady, read, anyQueued -> {
            if (!sentClaim.isEmpty() || !((anyQueued || backlog) && claimFor != null && freeSlots > 0)) return null;
            var step = tasks.plainClaimStep(tx, claimFor, queues, freeSlots, now, logs);
            if (step != null) sentClaim.add(step);
            return step;
        });
        List<Claimed> claimed = List.of();
        boolean claimTried = (queued || backlog) && claimFor != null && freeSlots > 0;
        if (!sentClaim.isEmpty()) {
            claimed = sentClaim.get(0).result();
            claimTried = true;
        } else if (claimTried) claimed = tasks.claimIn(tx, claimFor, queues, freeSlots, now, logs);
        // Other engines may have free slots too, or this one claimed only part of what became ready: wake them,
        // unless this claim took every task that became ready here (the usual hand-off: one round trip saved).
        if (queued && !allClaimed(madeReady, claimed)) WorkNotices.announce(tx);
        return new Result(queued, earliestRetry, batch.size(), claimTried, claimed, readyLater);
    }

    /**
     * For runs where a task finished: re-evaluate its downstream tasks, or, when it had none, only check whether
     * the run is complete. Loading a run's task states is skipped entirely while nothing can change.
     */
    private static boolean allClaimed(List<TaskInstanceRepository.Decision> ready, List<Claimed> claimed) {
        if (claimed.size() < ready.size()) return false;
        Set<String> got = new java.util.HashSet<>();
        for (Claimed c : claimed) got.add(c.runKey() + "/" + c.taskId());
        for (var d : ready) if (!got.contains(d.runKey() + "/" + d.taskId())) return false;
        return true;
    }

    /** What the batch's pipeline read after its writes: states of some runs, and which leaf-only runs are open. */
    private record Read(Map<Long, Map<String, TaskState>> states, Set<Long> leavesChecked, Set<Long> open) {}

    private boolean decideRuns(
            DSLContext tx,
            Map<Long, List<String>> finishedByRun,
            Map<Long, Long> versionByRun,
            Instant now,
            List<TaskInstanceRepository.Decision> madeReady,
            Read read,
            java.util.function.Function<Boolean, Pipeline.Step<?>> alongside) {
        Set<Long> toDecide = new LinkedHashSet<>();
        List<Long> leavesOnly = new ArrayList<>();
        for (var e : finishedByRun.entrySet()) {
            DagGraph graph = graphs.graph(versionByRun.get(e.getKey()));
            if (e.getValue().stream().anyMatch(graph::hasDownstream)) toDecide.add(e.getKey());
            else leavesOnly.add(e.getKey());
        }
        List<Long> unchecked = new ArrayList<>();
        for (Long run : leavesOnly) {
            if (!read.leavesChecked().contains(run)) unchecked.add(run);
            else if (!read.open().contains(run)) toDecide.add(run);
        }
        if (!unchecked.isEmpty()) {
            Set<Long> open = tasks.withUnfinished(tx, unchecked);
            for (Long run : unchecked) if (!open.contains(run)) toDecide.add(run);
        }
        if (toDecide.isEmpty()) return false;
        Map<Long, Map<String, TaskState>> states = new HashMap<>();
        List<Long> missing = new ArrayList<>();
        for (Long run : toDecide) {
            var known = read.states().get(run);
            if (known != null) states.put(run, known);
            else missing.add(run);
        }
        if (!missing.isEmpty()) states.putAll(tasks.states(tx, missing));
        return progress.decideAll(tx, versionByRun, states, now, madeReady, alongside);
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

    /**
     * A success of a task with {@code outlets} records one asset event per outlet in the transaction of the
     * success itself: the event exists exactly when the success does. The task's output may carry
     * {@code asset_extra} (an object), stored as each event's extra. {@code sluice dags test} runs record none.
     */
    private void recordAssetEvents(DSLContext tx, List<Completion> batch, List<TaskState> newStates, Set<Long> won) {
        List<Integer> producing = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            var cl = batch.get(i).claimed();
            if (newStates.get(i) != TaskState.SUCCESS || !won.contains(cl.tiId())) continue;
            TaskDef def = graphs.graph(cl.dagVersionId()).task(cl.taskId());
            if (def != null && !def.outlets().isEmpty()) producing.add(i);
        }
        if (producing.isEmpty()) return;
        Set<Long> tests = assets.testRuns(
                tx, producing.stream().map(i -> batch.get(i).claimed().runKey()).toList());
        List<AssetRepository.NewEvent> events = new ArrayList<>();
        for (int i : producing) {
            Completion c = batch.get(i);
            var cl = c.claimed();
            if (tests.contains(cl.runKey())) continue;
            Map<String, Object> extra = assetExtra(c.output());
            for (String uri : graphs.graph(cl.dagVersionId()).task(cl.taskId()).outlets())
                events.add(new AssetRepository.NewEvent(
                        uri,
                        AssetRepository.Source.TASK,
                        cl.dagId(),
                        cl.runId(),
                        cl.taskId(),
                        null,
                        extra,
                        c.endedAt()));
        }
        assets.record(tx, events);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> assetExtra(Map<String, Object> output) {
        Object extra = output == null ? null : output.get("asset_extra");
        return extra instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** The task instance's state after this attempt; null when the attempt was cancelled (nothing to record). */
    private static TaskState nextState(Completion c) {
        return switch (c.outcome()) {
            case SUCCESS -> TaskState.SUCCESS;
            case SKIPPED -> TaskState.SKIPPED;
            case CANCELLED -> null;
            case FAILED, TIMED_OUT, LOST ->
                c.claimed().tryNumber() < c.claimed().maxTries() ? TaskState.UP_FOR_RETRY : TaskState.FAILED;
            case ABANDONED -> TaskState.FAILED;
            case HANDED_BACK -> TaskState.QUEUED;
            case RESCHEDULED -> TaskState.UP_FOR_RESCHEDULE;
        };
    }
}
