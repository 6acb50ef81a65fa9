package dev.sluice.engine;

import dev.sluice.dag.Dag;
import dev.sluice.run.DagGraph;
import dev.sluice.run.IllegalTransitionException;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.store.RunRepository;
import dev.sluice.store.RunRepository.RunRow;
import dev.sluice.store.TaskInstanceRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Operator actions on runs: cancel, clear (rerun) tasks, mark tasks or runs. Each is one transaction under the
 * run's lock, and ends by asking the decider what follows, exactly as a finished attempt does. A task that is
 * running when it is cancelled or marked is stopped by its worker at the next heartbeat.
 */
public final class RunControl {
    private final DSLContext dsl;
    private final DagGraphs graphs;
    private final RunRepository runs;
    private final TaskInstanceRepository tasks;
    private final RunCoordinator coordinator;
    private final Clock clock;
    private final Runnable localWake;

    public RunControl(
            DSLContext dsl,
            DagGraphs graphs,
            RunRepository runs,
            TaskInstanceRepository tasks,
            RunCoordinator coordinator,
            Clock clock,
            Runnable localWake) {
        this.dsl = dsl;
        this.graphs = graphs;
        this.runs = runs;
        this.tasks = tasks;
        this.coordinator = coordinator;
        this.clock = clock;
        this.localWake = localWake;
    }

    /** What an action changed: task id → new state, and the run's state afterwards. */
    public record Result(Map<String, TaskState> changed, RunState runState) {}

    /** Cancels a run: unfinished tasks are cancelled (running ones are killed by their worker). */
    public Result cancel(long runKey) {
        return inRun(runKey, (tx, run, states, now) -> {
            if (run.state().isTerminal())
                throw new IllegalTransitionException("run " + run.runId(), run.state(), RunState.CANCELLED);
            Map<String, TaskState> changed = new java.util.LinkedHashMap<>();
            states.forEach((id, s) -> {
                if (!s.isTerminal()) changed.put(id, TaskState.CANCELLED);
            });
            tasks.mark(tx, runKey, changed.keySet(), TaskState.CANCELLED, now);
            runs.transition(tx, runKey, RunState.CANCELLED, now);
            coordinator.progress().promote(tx, run.dagId(), now);
            return new Result(changed, RunState.CANCELLED);
        });
    }

    /**
     * Clears tasks so they run again, optionally with everything downstream and/or upstream of them. Each
     * cleared task gets its full retries again. Refused for a task that is running now.
     */
    public Result clear(long runKey, List<String> taskIds, boolean downstream, boolean upstream) {
        return inRun(runKey, (tx, run, states, now) -> {
            DagGraph graph = graphs.graph(run.versionId());
            Set<String> target = new LinkedHashSet<>();
            for (String id : taskIds) {
                if (graph.task(id) == null)
                    throw new NoSuchElementException("task " + id + " is not in run " + run.runId());
                target.add(id);
                if (downstream) target.addAll(graph.allDownstream(id));
                if (upstream) target.addAll(graph.allUpstream(id));
            }
            return resetAndDecide(tx, run, states, target, now);
        });
    }

    /** Reruns only what failed: failed and upstream-failed tasks (and cancelled ones), plus their downstream. */
    public Result clearFailed(long runKey) {
        return inRun(runKey, (tx, run, states, now) -> {
            DagGraph graph = graphs.graph(run.versionId());
            Set<String> target = new LinkedHashSet<>();
            states.forEach((id, s) -> {
                if (s.isFailure() || s == TaskState.CANCELLED) {
                    target.add(id);
                    target.addAll(graph.allDownstream(id));
                }
            });
            if (target.isEmpty())
                throw new IllegalStateException("run " + run.runId() + " has no failed tasks to clear");
            return resetAndDecide(tx, run, states, target, now);
        });
    }

    /** Marks one task success or failed, whatever its state, and lets the run move on from there. */
    public Result markTask(long runKey, String taskId, TaskState to) {
        if (to != TaskState.SUCCESS && to != TaskState.FAILED)
            throw new IllegalArgumentException("a task can be marked success or failed, not " + to.dbName());
        return inRun(runKey, (tx, run, states, now) -> {
            TaskState from = states.get(taskId);
            if (from == null) throw new NoSuchElementException("task " + taskId + " is not in run " + run.runId());
            IllegalTransitionException.check("task " + taskId, from, to);
            tasks.mark(tx, runKey, Set.of(taskId), to, now);
            if (run.state().isTerminal()) runs.transition(tx, runKey, RunState.RUNNING, now);
            states.put(taskId, to);
            coordinator.progress().decide(tx, runKey, run.versionId(), states, now);
            return new Result(
                    Map.of(taskId, to), runs.get(tx, runKey).orElseThrow().state());
        });
    }

    /** Marks a run: success sets its unfinished tasks to success; failed fails running tasks and skips the rest. */
    public Result markRun(long runKey, RunState to) {
        if (to != RunState.SUCCESS && to != RunState.FAILED)
            throw new IllegalArgumentException("a run can be marked success or failed, not " + to.dbName());
        return inRun(runKey, (tx, run, states, now) -> {
            IllegalTransitionException.check("run " + run.runId(), run.state(), to);
            Map<String, TaskState> changed = new java.util.LinkedHashMap<>();
            states.forEach((id, s) -> {
                if (s.isTerminal()) return;
                changed.put(
                        id,
                        to == RunState.SUCCESS
                                ? TaskState.SUCCESS
                                // a sensor waiting for its next check is mid-work, as a running task is
                                : s == TaskState.RUNNING || s == TaskState.UP_FOR_RESCHEDULE
                                        ? TaskState.FAILED
                                        : TaskState.SKIPPED);
            });
            for (TaskState s : Set.copyOf(changed.values())) {
                tasks.markUnfinished(
                        tx,
                        runKey,
                        changed.entrySet().stream()
                                .filter(e -> e.getValue() == s)
                                .map(Map.Entry::getKey)
                                .toList(),
                        s,
                        now);
            }
            runs.transition(tx, runKey, to, now);
            coordinator.progress().promote(tx, run.dagId(), now);
            return new Result(changed, to);
        });
    }

    private Result resetAndDecide(
            DSLContext tx, RunRow run, Map<String, TaskState> states, Set<String> target, Instant now) {
        List<String> running = target.stream()
                .filter(id -> states.get(id) == TaskState.RUNNING)
                .toList();
        if (!running.isEmpty())
            throw new IllegalStateException("cannot clear running tasks " + running + "; cancel or wait for them");
        Dag dag = graphs.dag(run.versionId());
        for (String id : target) {
            if (states.get(id) == TaskState.PENDING) continue;
            var mapping = dag.task(id).mapping();
            var source = mapping == null ? null : mapping.source();
            // Its list comes from a task that reruns too: expand afresh from that task's new output.
            if (source != null && source.taskId() != null && target.contains(source.taskId()))
                tasks.collapse(tx, run.key(), id);
            tasks.resetForRerun(tx, run.key(), id, dag.task(id).retries() + 1);
            states.put(id, TaskState.PENDING);
        }
        if (run.state() != RunState.RUNNING) {
            // A finished run comes back to life; it queues behind max_active_runs like any other.
            if (!runs.transition(tx, run.key(), RunState.QUEUED, now)) {
                throw new IllegalTransitionException("run " + run.runId(), run.state(), RunState.QUEUED);
            }
            coordinator.progress().promote(tx, run.dagId(), now);
        } else {
            coordinator.progress().decide(tx, run.key(), run.versionId(), states, now);
        }
        Map<String, TaskState> changed = new java.util.LinkedHashMap<>();
        for (String id : target) changed.put(id, TaskState.PENDING);
        return new Result(changed, runs.get(tx, run.key()).orElseThrow().state());
    }

    private interface Action {
        Result apply(DSLContext tx, RunRow run, Map<String, TaskState> states, Instant now);
    }

    private Result inRun(long runKey, Action action) {
        Result r = dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            runs.lock(tx, List.of(runKey));
            RunRow run = runs.get(tx, runKey).orElseThrow(() -> new NoSuchElementException("no run " + runKey));
            Map<String, TaskState> states = new java.util.HashMap<>(tasks.states(tx, runKey));
            Result res = action.apply(tx, run, states, clock.instant());
            WorkNotices.announce(tx);
            return res;
        });
        localWake.run();
        return r;
    }
}
