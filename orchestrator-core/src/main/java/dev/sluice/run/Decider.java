package dev.sluice.run;

import dev.sluice.dag.TriggerRule;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decide, then do: a pure function from (graph, current task states) to the tasks that change state and whether
 * the run is finished. No database, no clock, so every trigger rule can be tested exhaustively; the engine
 * persists what it returns.
 */
public final class Decider {
    private Decider() {}

    public record Decision(Map<String, TaskState> changes, RunState runOutcome) {
        public boolean runFinished() {
            return runOutcome != null;
        }
    }

    enum Verdict {
        WAIT,
        READY,
        SKIP,
        UPSTREAM_FAILED
    }

    /** For a DAG without branch tasks (or before any of them has succeeded). */
    public static Decision decide(DagGraph graph, Map<String, TaskState> current) {
        return decide(graph, current, Map.of());
    }

    /**
     * @param branchChoices for each branch task that succeeded, the ids it chose ({@code next} of its output, see {@code task.BranchChoice}). A succeeded
     *                      branch task absent here (marked success by an operator) chose nothing in particular:
     *                      each of its downstream tasks follows its trigger rule, as in Airflow.
     */
    public static Decision decide(
            DagGraph graph, Map<String, TaskState> current, Map<String, ? extends Collection<String>> branchChoices) {
        Map<String, TaskState> states = new HashMap<>(current);
        Map<String, TaskState> changes = new LinkedHashMap<>();
        // Topological order: a task's upstream verdicts are settled before the task is looked at, so skips and
        // upstream failures propagate through the whole graph in one pass.
        for (String id : graph.topologicalOrder()) {
            if (states.get(id) != TaskState.PENDING) continue;
            Verdict verdict = skippedByBranch(graph, id, states, branchChoices) != null
                    ? Verdict.SKIP
                    : evaluate(graph.task(id).triggerRule(), graph, id, states);
            TaskState next = switch (verdict) {
                case READY -> TaskState.QUEUED;
                case SKIP -> TaskState.SKIPPED;
                case UPSTREAM_FAILED -> TaskState.UPSTREAM_FAILED;
                case WAIT -> null;
            };
            if (next != null) {
                states.put(id, next);
                changes.put(id, next);
            }
        }
        return new Decision(changes, outcome(graph, states));
    }

    /**
     * The branch task whose choice skips {@code id}, or null: a direct upstream branch task that succeeded and
     * chose other tasks. A task that also lies downstream of a chosen task is not skipped by the branch (Airflow's
     * rule): a join wired straight to the branch still waits for the chosen path under its trigger rule.
     */
    public static String skippedByBranch(
            DagGraph graph,
            String id,
            Map<String, TaskState> states,
            Map<String, ? extends Collection<String>> branchChoices) {
        if (branchChoices.isEmpty()) return null;
        for (String up : graph.upstream(id)) {
            Collection<String> chosen = branchChoices.get(up);
            if (chosen == null
                    || states.get(up) != TaskState.SUCCESS
                    || !graph.task(up).branch()) continue;
            if (chosen.contains(id)) continue;
            boolean onChosenPath = false;
            for (String c : chosen) onChosenPath |= graph.isDownstream(id, c);
            if (!onChosenPath) return up;
        }
        return null;
    }

    /**
     * A mapped task's state as trigger rules and the run's outcome see it, from how many of its instances are in
     * each state (one grouped query, never a loop over instances). An unmapped task has one instance: its state.
     * While any instance is queued, running or waiting to retry the task is running; instances cleared for a rerun
     * (pending) beside finished ones make the task pending again, so the rule that queued it queues them; once all
     * are finished one failure fails it (as in Airflow), then a cancellation cancels it.
     */
    public static TaskState aggregate(Map<TaskState, Integer> counts) {
        java.util.EnumSet<TaskState> present = java.util.EnumSet.noneOf(TaskState.class);
        counts.forEach((s, n) -> {
            if (n != null && n > 0) present.add(s);
        });
        if (present.isEmpty()) throw new IllegalArgumentException("a task has at least one instance");
        if (present.size() == 1) return present.iterator().next();
        if (present.contains(TaskState.QUEUED)
                || present.contains(TaskState.RUNNING)
                || present.contains(TaskState.UP_FOR_RETRY)) return TaskState.RUNNING;
        if (present.contains(TaskState.PENDING)) return TaskState.PENDING;
        if (present.contains(TaskState.FAILED) || present.contains(TaskState.UPSTREAM_FAILED)) return TaskState.FAILED;
        if (present.contains(TaskState.CANCELLED)) return TaskState.CANCELLED;
        return TaskState.SUCCESS; // success beside skipped
    }

    /**
     * What a mapped task the decider made ready becomes once its list is known: queued instances, one per item,
     * or skipped when the list is empty (its downstream tasks then follow their trigger rules as after any skip).
     */
    public static TaskState expanded(int items) {
        return items > 0 ? TaskState.QUEUED : TaskState.SKIPPED;
    }

    /** The run's outcome once every task is finished; null while any is not. */
    static RunState outcome(DagGraph graph, Map<String, TaskState> states) {
        for (TaskState s : states.values()) if (!s.isTerminal()) return null;
        for (String leaf : graph.leaves()) {
            TaskState s = states.get(leaf);
            if (s != null && (s.isFailure() || s == TaskState.CANCELLED)) return RunState.FAILED;
        }
        return RunState.SUCCESS;
    }

    static Verdict evaluate(TriggerRule rule, DagGraph graph, String id, Map<String, TaskState> states) {
        var ups = graph.upstream(id);
        if (ups.isEmpty() || rule == TriggerRule.ALWAYS) return Verdict.READY;
        int n = ups.size(), success = 0, failed = 0, skipped = 0, done = 0;
        for (String u : ups) {
            TaskState s = states.get(u);
            if (s == null) continue;
            if (s.isTerminal()) done++;
            if (s == TaskState.SUCCESS) success++;
            else if (s.isFailure() || s == TaskState.CANCELLED) failed++;
            else if (s == TaskState.SKIPPED) skipped++;
        }
        boolean allDone = done == n;
        return switch (rule) {
            case ALL_SUCCESS ->
                failed > 0
                        ? Verdict.UPSTREAM_FAILED
                        : skipped > 0 ? Verdict.SKIP : success == n ? Verdict.READY : Verdict.WAIT;
            case ALL_FAILED -> success > 0 || skipped > 0 ? Verdict.SKIP : failed == n ? Verdict.READY : Verdict.WAIT;
            case ALL_DONE -> allDone ? Verdict.READY : Verdict.WAIT;
            case ONE_SUCCESS ->
                success > 0
                        ? Verdict.READY
                        : !allDone ? Verdict.WAIT : skipped == n ? Verdict.SKIP : Verdict.UPSTREAM_FAILED;
            case ONE_FAILED -> failed > 0 ? Verdict.READY : allDone ? Verdict.SKIP : Verdict.WAIT;
            case NONE_FAILED -> failed > 0 ? Verdict.UPSTREAM_FAILED : allDone ? Verdict.READY : Verdict.WAIT;
            case NONE_SKIPPED -> skipped > 0 ? Verdict.SKIP : allDone ? Verdict.READY : Verdict.WAIT;
            case NONE_FAILED_MIN_ONE_SUCCESS ->
                failed > 0
                        ? Verdict.UPSTREAM_FAILED
                        : !allDone ? Verdict.WAIT : success > 0 ? Verdict.READY : Verdict.SKIP;
            case ALWAYS -> Verdict.READY;
        };
    }
}
