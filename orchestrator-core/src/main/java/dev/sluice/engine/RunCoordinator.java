package dev.sluice.engine;

import dev.sluice.dag.Dag;
import dev.sluice.run.Decider;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.store.DagRepository;
import dev.sluice.store.Pipeline;
import dev.sluice.store.RunRepository;
import dev.sluice.store.RunRepository.NewRun;
import dev.sluice.store.TaskInstanceRepository;
import dev.sluice.store.TaskSummary;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Creates runs and moves them through their life: queued → running (within max_active_runs), and finished when
 * the decider says so. The transaction boundaries are the callers'; everything here runs inside one.
 */
public final class RunCoordinator {
    static final String CHANNEL = "sluice_work";

    private final DSLContext dsl;
    private final DagRepository dags;
    private final DagGraphs graphs;
    private final RunRepository runs;
    private final TaskInstanceRepository tasks;
    private final Clock clock;
    private final Runnable localWake;
    private final RunEventBus events;

    public RunCoordinator(
            DSLContext dsl,
            DagRepository dags,
            DagGraphs graphs,
            RunRepository runs,
            TaskInstanceRepository tasks,
            Clock clock,
            Runnable localWake) {
        this(dsl, dags, graphs, runs, tasks, clock, localWake, new RunEventBus());
    }

    RunCoordinator(
            DSLContext dsl,
            DagRepository dags,
            DagGraphs graphs,
            RunRepository runs,
            TaskInstanceRepository tasks,
            Clock clock,
            Runnable localWake,
            RunEventBus events) {
        this.events = events;
        this.dsl = dsl;
        this.dags = dags;
        this.graphs = graphs;
        this.runs = runs;
        this.tasks = tasks;
        this.clock = clock;
        this.localWake = localWake;
    }

    /**
     * This node's worker, offered the first tasks of the runs it creates in the creating transaction
     * ({@link Worker#offer}); none until the engine starts one.
     */
    interface LocalClaims {
        Worker.Offer offer(DSLContext tx, Instant now);
    }

    private volatile LocalClaims localClaims = (tx, now) -> null;

    void localClaims(LocalClaims claims) {
        this.localClaims = claims;
    }

    /**
     * Runs {@code work} in a transaction; when it made tasks ready ({@code ready[0]}), this node's worker claims
     * what its free slots take before the commit and starts them after it.
     */
    private <T> T creating(java.util.function.Function<DSLContext, T> work, boolean[] ready, Instant now) {
        Worker.Offer[] offer = new Worker.Offer[1];
        T result;
        try {
            result = dsl.transactionResult(cfg -> {
                DSLContext tx = DSL.using(cfg);
                T r = work.apply(tx);
                if (ready[0]) offer[0] = localClaims.offer(tx, now);
                return r;
            });
        } catch (RuntimeException e) {
            if (offer[0] != null) offer[0].abandon();
            throw e;
        }
        if (offer[0] != null) offer[0].start();
        localWake.run();
        return result;
    }

    /** Creates a run of the DAG's latest version and starts it if max_active_runs allows. */
    public long createRun(
            String dagId,
            String runType,
            Instant logicalDate,
            Instant intervalStart,
            Instant intervalEnd,
            Map<String, Object> params,
            String triggeredBy) {
        return createRun(dagId, runType, logicalDate, intervalStart, intervalEnd, params, triggeredBy, null);
    }

    /**
     * @param queueOverride null, or the one queue every task of this run goes to (a run only one process may
     *                      execute: {@code sluice dags test} serves a queue of its own)
     */
    public long createRun(
            String dagId,
            String runType,
            Instant logicalDate,
            Instant intervalStart,
            Instant intervalEnd,
            Map<String, Object> params,
            String triggeredBy,
            String queueOverride) {
        long versionId =
                dags.latestVersionId(dagId).orElseThrow(() -> new IllegalArgumentException("unknown DAG " + dagId));
        return createRun(
                dagId, versionId, runType, logicalDate, intervalStart, intervalEnd, params, triggeredBy, queueOverride);
    }

    /** Creates a run of a given version of the DAG ({@code dags test} runs the file it was given, not the latest). */
    public long createRun(
            String dagId,
            long versionId,
            String runType,
            Instant logicalDate,
            Instant intervalStart,
            Instant intervalEnd,
            Map<String, Object> params,
            String triggeredBy) {
        return createRun(dagId, versionId, runType, logicalDate, intervalStart, intervalEnd, params, triggeredBy, null);
    }

    /** A run of a given version, all of whose tasks go to {@code queueOverride} when it is not null. */
    public long createRun(
            String dagId,
            long versionId,
            String runType,
            Instant logicalDate,
            Instant intervalStart,
            Instant intervalEnd,
            Map<String, Object> params,
            String triggeredBy,
            String queueOverride) {
        Dag dag = graphs.dag(versionId);
        if (!dag.id().equals(dagId))
            throw new IllegalArgumentException("version " + versionId + " is not of DAG " + dagId);
        Map<String, Object> resolved = RunParams.resolve(dag, params);
        Instant now = clock.instant();
        // promote() queued its first tasks if max_active_runs let it start: offered to this node's worker (a claim
        // that finds nothing costs one indexed statement)
        return creating(
                tx -> insertRun(
                        tx,
                        dag,
                        versionId,
                        runType,
                        logicalDate,
                        intervalStart,
                        intervalEnd,
                        resolved,
                        triggeredBy,
                        queueOverride,
                        now),
                new boolean[] {true},
                now);
    }

    /**
     * Creates a run of the DAG's latest version inside the caller's transaction, so the run commits together with
     * whatever decided it (an asset trigger's consumed events). Workers are notified at commit if it started.
     */
    public long createRunIn(
            DSLContext tx,
            String dagId,
            String runType,
            Instant logicalDate,
            Instant intervalStart,
            Instant intervalEnd,
            Map<String, Object> params,
            String triggeredBy) {
        long versionId =
                dags.latestVersionId(dagId).orElseThrow(() -> new IllegalArgumentException("unknown DAG " + dagId));
        Dag dag = graphs.dag(versionId);
        return insertRun(
                tx,
                dag,
                versionId,
                runType,
                logicalDate,
                intervalStart,
                intervalEnd,
                RunParams.resolve(dag, params),
                triggeredBy,
                null,
                clock.instant());
    }

    private long insertRun(
            DSLContext tx,
            Dag dag,
            long versionId,
            String runType,
            Instant logicalDate,
            Instant intervalStart,
            Instant intervalEnd,
            Map<String, Object> resolved,
            String triggeredBy,
            String queueOverride,
            Instant now) {
        long k = runs.insert(
                tx,
                new NewRun(
                        dag.id(),
                        runType + "__" + logicalDate,
                        versionId,
                        runType,
                        logicalDate,
                        intervalStart,
                        intervalEnd,
                        resolved,
                        triggeredBy),
                now);
        tasks.insertPending(tx, k, dag, queueOverride);
        promote(tx, dag.id(), now);
        return k;
    }

    /** One run to create with {@link #createRuns}: of the DAG's latest version. */
    public record RunRequest(
            String dagId,
            String runType,
            Instant logicalDate,
            Instant intervalStart,
            Instant intervalEnd,
            Map<String, Object> params,
            String triggeredBy) {}

    /**
     * Creates many runs in one transaction — a backfill's intervals, a burst of triggers: one statement for the
     * runs, one for all their task instances, then each DAG's queued runs are started as max_active_runs allows.
     * Either every run is created or none (a duplicate logical date fails the batch). Keys in request order.
     */
    public List<Long> createRuns(List<RunRequest> requests) {
        if (requests.isEmpty()) return List.of();
        Map<String, Long> latest = new HashMap<>();
        List<NewRun> rows = new ArrayList<>(requests.size());
        List<Dag> dagOf = new ArrayList<>(requests.size());
        for (RunRequest r : requests) {
            long versionId = latest.computeIfAbsent(
                    r.dagId(),
                    id -> dags.latestVersionId(id)
                            .orElseThrow(() -> new IllegalArgumentException("unknown DAG " + id)));
            Dag dag = graphs.dag(versionId);
            rows.add(new NewRun(
                    r.dagId(),
                    r.runType() + "__" + r.logicalDate(),
                    versionId,
                    r.runType(),
                    r.logicalDate(),
                    r.intervalStart(),
                    r.intervalEnd(),
                    RunParams.resolve(dag, r.params()),
                    r.triggeredBy()));
            dagOf.add(dag);
        }
        Instant now = clock.instant();
        boolean[] ready = {false};
        return creating(
                tx -> {
                    // Under each DAG's lock (name order: two batches cannot deadlock), decide which new runs start now:
                    // those start running with their first tasks queued at insert, the rest wait as queued runs. A DAG
                    // with runs already waiting keeps its order: its new runs queue behind them and promote() starts
                    // them.
                    Map<String, Integer> room = new HashMap<>();
                    for (String dagId : new TreeSet<>(latest.keySet())) {
                        runs.lockDag(tx, dagId);
                        int free = runs.hasQueued(tx, dagId)
                                ? 0
                                : graphs.dag(latest.get(dagId)).maxActiveRuns() - runs.countRunning(tx, dagId);
                        room.put(dagId, Math.max(0, free));
                    }
                    List<Boolean> started = new ArrayList<>(rows.size());
                    List<Map<String, TaskState>> initial = new ArrayList<>(rows.size());
                    boolean queuedAny = false;
                    // oldest logical date first, as promote() would start them
                    List<Integer> order = new ArrayList<>();
                    for (int i = 0; i < rows.size(); i++) order.add(i);
                    order.sort(java.util.Comparator.comparing(i -> rows.get(i).logicalDate()));
                    Decider.Decision[] startNow = new Decider.Decision[rows.size()];
                    for (int i : order) {
                        String dagId = rows.get(i).dagId();
                        int free = room.get(dagId);
                        Decider.Decision first = null;
                        if (free > 0) {
                            first = Decider.decide(graphs.graph(rows.get(i).versionId()), allPending(dagOf.get(i)));
                            if (first.runFinished()) first = null; // nothing to run: promote() finishes it as before
                        }
                        startNow[i] = first;
                        if (first != null) room.put(dagId, free - 1);
                    }
                    List<Integer> withMapped = new ArrayList<>();
                    for (int i = 0; i < rows.size(); i++) {
                        started.add(startNow[i] != null);
                        if (startNow[i] != null) {
                            Map<String, TaskState> changes = new HashMap<>(startNow[i].changes());
                            // A mapped task is inserted pending and expanded by the decision below: its row is not a
                            // claimable instance.
                            var graph = graphs.graph(rows.get(i).versionId());
                            if (changes.keySet().removeIf(id -> graph.task(id).mapped())) withMapped.add(i);
                            initial.add(changes);
                            queuedAny |= changes.containsValue(TaskState.QUEUED);
                        } else {
                            initial.add(Map.of());
                        }
                    }
                    List<Long> k = runs.insertAll(tx, rows, started, now);
                    tasks.insert(tx, k, dagOf, initial, null, now);
                    if (!withMapped.isEmpty()) {
                        Map<Long, Long> versions = new HashMap<>();
                        for (int i : withMapped)
                            versions.put(k.get(i), rows.get(i).versionId());
                        decideAll(tx, versions, tasks.states(tx, versions.keySet()), now);
                    }
                    boolean anyWaiting = started.contains(false);
                    boolean promoted = false;
                    if (anyWaiting)
                        for (String dagId : new TreeSet<>(latest.keySet())) promoted |= promote(tx, dagId, now);
                    if (queuedAny) notifyWorkers(tx);
                    ready[0] = queuedAny || promoted || !withMapped.isEmpty();
                    return k;
                },
                ready,
                now);
    }

    private static Map<String, TaskState> allPending(Dag dag) {
        Map<String, TaskState> states = new HashMap<>();
        for (var t : dag.tasks()) states.put(t.id(), TaskState.PENDING);
        return states;
    }

    /**
     * Starts queued runs of a DAG, oldest first, while fewer than max_active_runs are running. Locks the DAG row
     * so two servers cannot both start "the last allowed" run. All runs it starts are moved and decided together:
     * a hundred runs cost the statements of one.
     */
    public boolean promote(DSLContext tx, String dagId, Instant now) {
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
        if (queuedAny) notifyWorkers(tx);
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
        if (!mappedReady.isEmpty()) notifyWorkers(tx);
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

    static void notifyWorkers(DSLContext tx) {
        // Delivered at commit, and folded into one per transaction by PostgreSQL.
        tx.select(DSL.function("pg_notify", Object.class, DSL.val(CHANNEL), DSL.val("")))
                .fetch();
    }

    /** Runs the fallback sweep: promotes DAGs with queued runs (a wake-up may have been lost in a crash). */
    public void promoteAll() {
        for (String dagId : runs.dagsWithQueuedRuns(dsl)) {
            boolean queued = dsl.transactionResult(cfg -> promote(DSL.using(cfg), dagId, clock.instant()));
            if (queued) localWake.run();
        }
    }

    public RunState runState(long runKey) {
        return runs.get(dsl, runKey)
                .orElseThrow(() -> new java.util.NoSuchElementException("no run " + runKey))
                .state();
    }

    public record RunSummary(String runId, RunState state, java.util.List<TaskSummary> tasks) {}

    /** A run and its tasks in definition order, with attempt counts. */
    public RunSummary summary(long runKey) {
        var run = runs.get(dsl, runKey).orElseThrow(() -> new java.util.NoSuchElementException("no run " + runKey));
        return new RunSummary(run.runId(), run.state(), tasks.summaries(dsl, runKey));
    }
}
