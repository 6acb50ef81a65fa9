package dev.sluice.engine;

import dev.sluice.run.Decider;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.store.DagRepository;
import dev.sluice.store.Pipeline;
import dev.sluice.store.RunRepository;
import dev.sluice.store.TaskInstanceRepository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;

/**
 * Moves started runs on, inside the caller's transaction: applies the decider to their task states (queues what is
 * ready, skips or upstream-fails what can no longer run), expands mapped tasks made ready, ends a run when every
 * task is done, and starts the DAG's queued runs into the place it frees (max_active_runs). The recorder calls it
 * for every completion batch, operator actions (RunControl) after their changes, run creation for runs it starts.
 */
final class RunProgress {
    private final DagRepository dags;
    private final DagGraphs graphs;
    private final RunRepository runs;
    private final TaskInstanceRepository tasks;
    private final RunEventBus events;

    RunProgress(
            DagRepository dags,
            DagGraphs graphs,
            RunRepository runs,
            TaskInstanceRepository tasks,
            RunEventBus events) {
        this.dags = dags;
        this.graphs = graphs;
        this.runs = runs;
        this.tasks = tasks;
        this.events = events;
    }

    /**
     * Starts queued runs of a DAG, oldest first, while fewer than max_active_runs are running. Locks the DAG row
     * so two servers cannot both start "the last allowed" run. All runs it starts are moved and decided together:
     * a hundred runs cost the statements of one.
     */
    boolean promote(DSLContext tx, String dagId, Instant now) {
        runs.lockDag(tx, dagId);
        long latest = dags.latestVersionId(dagId).orElseThrow();
        int maxActive = graphs.dag(latest).maxActiveRuns();
        int free = maxActive - runs.countRunning(tx, dagId);
        if (free <= 0) return false;
        List<Long> queuedRuns = runs.queued(tx, dagId, free);
        if (queuedRuns.isEmpty()) return false;
        Map<Long, Long> started = runs.startAll(tx, queuedRuns, now);
        if (started.isEmpty()) return false;
        boolean queuedAny = decideAll(tx, started, tasks.states(tx, started.keySet()), now);
        if (queuedAny) WorkNotices.announce(tx);
        return queuedAny;
    }

    /**
     * Applies the decider to one run's states: queues ready tasks, skips or upstream-fails the ones whose rule
     * can no longer be met, and finishes the run when every task is done. True when any task became queued.
     */
    boolean decide(DSLContext tx, long runKey, long versionId, Map<String, TaskState> states, Instant now) {
        return decideAll(tx, Map.of(runKey, versionId), Map.of(runKey, states), now);
    }

    /**
     * The decider for several runs at once: the resulting updates go to the database as one JDBC batch, not a
     * round trip per run (a completion batch often touches a hundred runs).
     */
    boolean decideAll(
            DSLContext tx, Map<Long, Long> versionByRun, Map<Long, Map<String, TaskState>> statesByRun, Instant now) {
        return decideAll(tx, versionByRun, statesByRun, now, new ArrayList<>());
    }

    /** As above, adding to {@code queuedOut} every task that became queued. */
    boolean decideAll(
            DSLContext tx,
            Map<Long, Long> versionByRun,
            Map<Long, Map<String, TaskState>> statesByRun,
            Instant now,
            List<TaskInstanceRepository.Decision> queuedOut) {
        return decideAll(tx, versionByRun, statesByRun, now, queuedOut, null);
    }

    /**
     * As above; {@code alongside}, told whether any task became queued, may return a statement to send in the
     * decisions' own round trip, after them (the recorder's claim of what they queued), or null.
     */
    boolean decideAll(
            DSLContext tx,
            Map<Long, Long> versionByRun,
            Map<Long, Map<String, TaskState>> statesByRun,
            Instant now,
            List<TaskInstanceRepository.Decision> queuedOut,
            java.util.function.Function<Boolean, Pipeline.Step<?>> alongside) {
        List<TaskInstanceRepository.Decision> decisions = new ArrayList<>();
        List<TaskInstanceRepository.Decision> mappedReady = new ArrayList<>();
        List<Map.Entry<Long, RunState>> finished = new ArrayList<>();
        Map<Long, Map<String, TaskState>> after = new HashMap<>();
        boolean queued = false;
        Map<Long, Map<String, List<String>>> choices = branchChoices(tx, versionByRun, statesByRun);
        for (var e : statesByRun.entrySet()) {
            long runKey = e.getKey();
            var graph = graphs.graph(versionByRun.get(runKey));
            Decider.Decision d = Decider.decide(graph, e.getValue(), choices.getOrDefault(runKey, Map.of()));
            int mappedBefore = mappedReady.size();
            d.changes().forEach((task, state) -> {
                var decision = new TaskInstanceRepository.Decision(runKey, task, state);
                if (state == TaskState.QUEUED && graph.task(task).mapped()) mappedReady.add(decision);
                else decisions.add(decision);
            });
            if (d.runFinished()) finished.add(Map.entry(runKey, d.runOutcome()));
            queued |= d.changes().containsValue(TaskState.QUEUED);
            if (mappedReady.size() > mappedBefore) {
                Map<String, TaskState> next = new HashMap<>(e.getValue());
                next.putAll(d.changes());
                after.put(runKey, next);
            }
        }
        Map<Long, Map<String, TaskState>> again =
                mappedReady.isEmpty() ? Map.of() : expand(tx, versionByRun, mappedReady, decisions, after, now);
        List<Pipeline.Step<?>> steps = new ArrayList<>(2);
        if (!decisions.isEmpty()) steps.add(tasks.decisionsStep(decisions, now));
        Pipeline.Step<?> extra = alongside == null ? null : alongside.apply(queued);
        if (extra != null) steps.add(extra);
        Pipeline.run(tx, steps.toArray(Pipeline.Step<?>[]::new));
        for (var d : decisions) if (d.state() == TaskState.QUEUED) queuedOut.add(d);
        for (var f : finished)
            finish(tx, f.getKey(), graphs.dag(versionByRun.get(f.getKey())).id(), f.getValue(), now);
        // A mapped task's instances are many rows under one decision: whoever claims one has not claimed them all,
        // so every worker hears of them (folded into one notification per transaction).
        if (!mappedReady.isEmpty()) WorkNotices.announce(tx);
        if (!again.isEmpty()) {
            Map<Long, Long> versions = new HashMap<>();
            for (Long run : again.keySet()) versions.put(run, versionByRun.get(run));
            queued |= decideAll(tx, versions, again, now, queuedOut);
        }
        return queued;
    }

    /**
     * Mapped tasks the decider made ready: a task not yet expanded has its list read and becomes its instances,
     * all created by one statement (or is skipped for an empty list, or fails when there is no list); one already
     * expanded (cleared for a rerun) has its pending instances queued by the plain decision. Returns the runs
     * where a mapped task finished this way, with their states, for the decider to look at once more: what follows
     * a skipped or failed task is decided now, not at the next completion (there may be none).
     */
    private Map<Long, Map<String, TaskState>> expand(
            DSLContext tx,
            Map<Long, Long> versionByRun,
            List<TaskInstanceRepository.Decision> mappedReady,
            List<TaskInstanceRepository.Decision> decisions,
            Map<Long, Map<String, TaskState>> after,
            Instant now) {
        List<Long> runKeys = new ArrayList<>();
        List<String> taskIds = new ArrayList<>();
        for (var d : mappedReady) {
            runKeys.add(d.runKey());
            taskIds.add(d.taskId());
        }
        var fresh = tasks.unexpanded(tx, runKeys, taskIds);
        List<TaskInstanceRepository.Expansion> expansions = new ArrayList<>();
        Map<Long, Map<String, TaskState>> again = new HashMap<>();
        Map<Long, Map<String, Object>> params = new HashMap<>();
        for (var d : mappedReady) {
            long run = d.runKey();
            if (!fresh.contains(Map.entry(run, d.taskId()))) {
                decisions.add(d);
                continue;
            }
            var task = graphs.graph(versionByRun.get(run)).task(d.taskId());
            MappedLists.Result list = MappedLists.read(
                    task,
                    params.computeIfAbsent(
                            run, k -> runs.get(tx, k).orElseThrow().params()),
                    up -> tasks.outputOf(tx, run, up));
            TaskState outcome;
            if (list.problem() != null) {
                tasks.failUnexpanded(tx, run, d.taskId(), list.problem(), now);
                outcome = TaskState.FAILED;
            } else {
                outcome = Decider.expanded(list.items().size());
                if (outcome == TaskState.QUEUED) {
                    expansions.add(new TaskInstanceRepository.Expansion(
                            run, d.taskId(), list.items(), task.mapping().maxActiveInstances()));
                    continue;
                }
                decisions.add(new TaskInstanceRepository.Decision(run, d.taskId(), outcome));
            }
            Map<String, TaskState> states = again.computeIfAbsent(run, k -> new HashMap<>(after.get(k)));
            states.put(d.taskId(), outcome);
        }
        tasks.expand(tx, expansions, now);
        return again;
    }

    /**
     * What the succeeded branch tasks of these runs chose, read from their outputs: one query for the runs whose
     * DAG has branch tasks with one that succeeded, none for the others (most DAGs have none).
     */
    private Map<Long, Map<String, List<String>>> branchChoices(
            DSLContext tx, Map<Long, Long> versionByRun, Map<Long, Map<String, TaskState>> statesByRun) {
        List<Long> runKeys = new ArrayList<>();
        java.util.Set<String> taskIds = new java.util.HashSet<>();
        for (var e : statesByRun.entrySet()) {
            boolean any = false;
            for (String b : graphs.graph(versionByRun.get(e.getKey())).branchTasks()) {
                if (e.getValue().get(b) == TaskState.SUCCESS) {
                    taskIds.add(b);
                    any = true;
                }
            }
            if (any) runKeys.add(e.getKey());
        }
        if (runKeys.isEmpty()) return Map.of();
        return tasks.branchChoices(tx, runKeys, taskIds);
    }

    /**
     * Ends a run its tasks finished and promotes the DAG's queued runs into the place it frees, in one round trip
     * when none are queued (Pipeline): the end (returning what the event tells), the DAG's row in share mode, and
     * the check for queued runs. Most DAGs have none, and promote's exclusive lock would then only serialise every
     * finishing run of the DAG (100 concurrent runs waited ~100 ms each for it, bench-engine handoff). Shared is
     * enough to know there is nothing to start: a run created after it is taken waits for this commit (creation
     * holds the exclusive lock) and counts this run as finished; a run queued before it is seen by the check,
     * which runs after the lock with a snapshot of its own. With queued runs the shared lock is not taken, so
     * promote's exclusive lock is not an upgrade (two upgrades can deadlock; only a run queued between the two
     * statements still takes that path, and PostgreSQL then aborts one and its recorder tries again).
     */
    void finish(DSLContext tx, long runKey, String dagId, RunState outcome, Instant now) {
        var ended = runs.endStep(runKey, outcome, now);
        var queued = runs.hasQueuedStep(dagId);
        Pipeline.run(tx, ended, runs.lockDagSharedUnlessQueuedStep(dagId), queued);
        if (ended.result().isEmpty()) return;
        var run = ended.result().get();
        var e = new RunEvents.RunFinished(dagId, run.versionId(), runKey, run.runId(), run.logicalDate(), outcome);
        events.raise(l -> l.runFinished(e));
        if (queued.result()) promote(tx, dagId, now);
    }
}
