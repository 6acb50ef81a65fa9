package dev.sluice.engine;

import dev.sluice.dag.Dag;
import dev.sluice.run.Decider;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.store.DagRepository;
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
 * Creates runs (one, or a batch such as a backfill's) and answers what state a run is in. Creation starts the runs
 * max_active_runs allows and hands their first tasks to this node's worker in the creating transaction; moving a
 * started run on (its decisions, its end, the promotion of queued runs into the place it frees) is {@link
 * RunProgress}'s.
 */
public final class RunCoordinator {
    private final DSLContext dsl;
    private final DagRepository dags;
    private final DagGraphs graphs;
    private final RunRepository runs;
    private final TaskInstanceRepository tasks;
    private final Clock clock;
    private final Runnable localWake;
    private final RunProgress progress;

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
        this.progress = new RunProgress(dags, graphs, runs, tasks, events);
        this.dsl = dsl;
        this.dags = dags;
        this.graphs = graphs;
        this.runs = runs;
        this.tasks = tasks;
        this.clock = clock;
        this.localWake = localWake;
    }

    /** Where started runs move on: decisions, mapped tasks' expansion, runs' ends and promotions. */
    RunProgress progress() {
        return progress;
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
        progress.promote(tx, dag.id(), now);
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
                        progress.decideAll(tx, versions, tasks.states(tx, versions.keySet()), now);
                    }
                    boolean anyWaiting = started.contains(false);
                    boolean promoted = false;
                    if (anyWaiting)
                        for (String dagId : new TreeSet<>(latest.keySet()))
                            promoted |= progress.promote(tx, dagId, now);
                    if (queuedAny) WorkNotices.announce(tx);
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

    /** Runs the fallback sweep: promotes DAGs with queued runs (a wake-up may have been lost in a crash). */
    public void promoteAll() {
        for (String dagId : runs.dagsWithQueuedRuns(dsl)) {
            boolean queued = dsl.transactionResult(cfg -> progress.promote(DSL.using(cfg), dagId, clock.instant()));
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
