package dev.sluice.engine;

import dev.sluice.storage.LocalObjectStore;
import dev.sluice.storage.ObjectStore;
import dev.sluice.store.DagRepository;
import dev.sluice.store.Database;
import dev.sluice.store.LogRetention;
import dev.sluice.store.LogStats;
import dev.sluice.store.LogStore;
import dev.sluice.store.RunHistoryRepository;
import dev.sluice.store.RunRepository;
import dev.sluice.store.TaskInstanceRepository;
import dev.sluice.store.WorkerRepository;
import dev.sluice.task.DagRunTrigger;
import dev.sluice.task.RunHistory;
import dev.sluice.task.TaskServiceProvider;
import dev.sluice.task.TaskTypeRegistry;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine per process: a worker (claim, run, record), its heartbeat, the reaper that retries the tasks of
 * workers that died, a LISTEN connection that wakes the worker when another process queues work, and a fallback
 * sweep. Any number of engines may share one database.
 */
public final class Engine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    private final Database db;
    private final EngineConfig config;
    private final Clock clock;
    private final String workerId;
    private final DagRepository dags;
    private final RunRepository runs = new RunRepository();
    private final TaskInstanceRepository tasks = new TaskInstanceRepository();
    private final WorkerRepository workers;
    private final RunCoordinator coordinator;
    private final RunControl control;
    private final DagGraphs graphs;
    private final Worker worker;
    private final ScheduledExecutorService housekeeping;
    private final NotificationListener listener;
    private final RunEventBus events = new RunEventBus();
    private final PeerJudge judge;
    private final DagDirectories dagDirectories;
    private final LogStats logStats = new LogStats();
    private final LogStore logStore;
    private final LogRetention logRetention;
    private final ScheduledExecutorService logUploads;
    private volatile boolean started;

    public Engine(Database db, TaskTypeRegistry types, EngineConfig config, Clock clock, Services services) {
        this.db = db;
        this.config = config;
        this.clock = clock;
        this.workerId = config.workerId() != null ? config.workerId() : defaultWorkerId();
        this.dags = new DagRepository(db.dsl(), clock);
        this.workers = new WorkerRepository(db.dsl());
        // Two missed beats break the series: one late beat under load is normal, two mean this node was not there.
        this.judge =
                new PeerJudge(config.deadAfter(), config.heartbeatInterval().multipliedBy(2));
        this.graphs = new DagGraphs(dags);
        this.housekeeping = Executors.newScheduledThreadPool(
                2, Thread.ofPlatform().name("sluice-housekeeping-", 0).daemon().factory());
        Worker[] self = new Worker[1];
        this.coordinator = new RunCoordinator(
                db.dsl(),
                dags,
                graphs,
                runs,
                tasks,
                clock,
                () -> {
                    if (self[0] != null) self[0].wake();
                },
                events);
        this.control = new RunControl(db.dsl(), graphs, runs, tasks, coordinator, clock, () -> {
            if (self[0] != null) self[0].wake();
        });
        CompletionRecorder recorder =
                new CompletionRecorder(db.dsl(), graphs, runs, tasks, coordinator.progress(), events);
        services.put(DataSource.class, db.dataSource());
        // Earlier runs as task types and plugins may see them, instead of the engine's tables.
        services.put(RunHistory.class, new RunHistoryRepository(db.dsl()));
        // Runs of other DAGs started from a task (trigger_dag) go through the coordinator like the API's trigger.
        services.put(DagRunTrigger.class, new EngineDagRunTrigger(db.dsl(), dags, runs, coordinator));
        // Plugins' services (the model registry...) are built on the database, so they come after it.
        TaskServiceProvider.provideAll(services);
        // The files of DAG versions come from the configured store; without one, from SLUICE_HOME's own directory.
        this.dagDirectories = new DagDirectories(
                dags,
                config.home(),
                memoize(() ->
                        new DagBundles(services.get(ObjectStore.class).orElseGet(() -> localStore(config.home())))));
        LogSettings logSettings = config.logs();
        this.logStore = new LogStore(config.home(), logSettings.store());
        this.logRetention =
                new LogRetention(db.dsl(), logStore, logSettings.retention(), logSettings.retentionBytes(), clock);
        // Uploads get their own thread: a slow store must not delay heartbeats or timeouts.
        this.logUploads = logSettings.store() == null
                ? null
                : Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().name("sluice-log-upload").daemon().factory());
        AttemptRunner runner = new AttemptRunner(
                db.dsl(),
                graphs,
                types,
                tasks,
                housekeeping,
                clock,
                config.home(),
                services,
                dagDirectories,
                logSettings,
                logStore,
                logStats,
                logUploads);
        this.worker = new Worker(workerId, db.dsl(), tasks, recorder, runner, logStore, clock, config);
        self[0] = worker;
        // Offered only while this node runs its worker (Worker.offer answers nothing before start).
        coordinator.localClaims(worker::offer);
        this.listener = new NotificationListener(db, WorkNotices.CHANNEL, worker::wake);
    }

    private static ObjectStore localStore(java.nio.file.Path home) {
        try {
            return new LocalObjectStore(home);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot open the object store in " + home, e);
        }
    }

    private static <T> java.util.function.Supplier<T> memoize(java.util.function.Supplier<T> s) {
        Object[] box = new Object[1];
        return () -> {
            synchronized (box) {
                if (box[0] == null) box[0] = s.get();
                @SuppressWarnings("unchecked")
                T t = (T) box[0];
                return t;
            }
        };
    }

    private static String defaultWorkerId() {
        return hostname() + ":" + ProcessHandle.current().pid() + ":"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    public synchronized Engine start() {
        if (started) return this;
        started = true;
        register();
        listener.start();
        if (config.runWorker()) worker.start();
        long hb = config.heartbeatInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(guard("heartbeat", this::heartbeat), hb, hb, TimeUnit.MILLISECONDS);
        if (config.housekeeping()) {
            // Every half beat: the delay between a node going silent and its tasks being retried stays small.
            housekeeping.scheduleWithFixedDelay(
                    guard("reaper", this::reap), hb / 2, Math.max(1, hb / 2), TimeUnit.MILLISECONDS);
            long sweep = Math.max(1000, config.pollInterval().toMillis() * 5);
            housekeeping.scheduleWithFixedDelay(
                    guard("sweep", coordinator::promoteAll), sweep, sweep, TimeUnit.MILLISECONDS);
        }
        // On every node: the sweep claims its rows with SKIP LOCKED, so nodes share it, and each node also removes
        // its own expired local log files.
        long keep = LogRetention.INTERVAL.toMillis();
        housekeeping.scheduleWithFixedDelay(
                guard("log retention", this::sweepLogs), keep / 10, keep, TimeUnit.MILLISECONDS);
        log.info(
                "Engine started: node {} ({}) with {} slots{}",
                workerId,
                config.role(),
                config.runWorker() ? config.slots() : 0,
                config.runWorker() ? " on queues " + config.queues() : "");
        return this;
    }

    /**
     * A node that runs no tasks registers with no slots and no queues: the claim limits count live capacity from
     * these rows, and "no live worker serves queue X" is read from them.
     */
    private void register() {
        boolean runs = config.runWorker();
        workers.register(
                workerId,
                hostname(),
                runs ? config.slots() : 0,
                runs ? config.queues() : List.of(),
                config.role(),
                clock.instant(),
                config.deadAfter());
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }

    private Runnable guard(String what, Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (Exception e) {
                log.warn("{} failed: {}", what, e.toString());
            }
        };
    }

    /** Proves this worker alive, and stops attempts whose task instance was cancelled or marked meanwhile. */
    void heartbeat() {
        boolean alive;
        try {
            alive = workers.heartbeat(workerId, clock.instant());
        } catch (RuntimeException e) {
            judge.beatFailed();
            throw e;
        }
        judge.beatSucceeded(clock.instant());
        if (!alive) {
            // Declared dead (e.g. after a long GC pause): our attempts were already handed to others.
            log.error(
                    "Worker {} was declared dead by another process; stopping its attempts and re-registering",
                    workerId);
            worker.running().values().forEach(h -> h.stop(Outcome.LOST));
            register();
        }
        var ids = List.copyOf(worker.running().keySet());
        for (Long id : tasks.noLongerRunning(db.dsl(), workerId, ids)) {
            AttemptHandle h = worker.running().get(id);
            if (h != null) h.stop(Outcome.CANCELLED);
        }
    }

    /** Retries (or fails) the attempts of workers that stopped heartbeating. */
    void reap() {
        var now = clock.instant();
        // A node that just came back from its own outage has not earned the right to judge: see PeerJudge. Attempts
        // of workers already declared stopped (by themselves or an earlier judge) are still picked up below.
        if (judge.mayJudge(now)) {
            // Each worker by the dead-after it declared (its heartbeat interval), not this node's own: a node tuned
            // for quick failover would otherwise declare a peer with the default interval dead between its beats.
            for (String dead : workers.silent(now, config.deadAfter(), judge.unbrokenFor(now))) {
                if (dead.equals(workerId)) continue;
                if (workers.markStopped(dead, now))
                    log.warn("Worker {} stopped heartbeating; retrying its tasks", dead);
            }
        }
        var orphans = tasks.runningOnStoppedWorkers(db.dsl());
        if (orphans.isEmpty()) return;
        // An attempt on a queue private to the dead process (a `sluice dags test` run's) fails instead of being
        // retried: nobody else serves that queue, so a retry would keep its run, and the DAG's next runs behind
        // max_active_runs, waiting for ever.
        var batch = orphans.stream()
                .map(o -> new Completion(
                        o.claimed(),
                        o.workerId(),
                        o.onlyItsQueue() ? Outcome.ABANDONED : Outcome.LOST,
                        null,
                        o.onlyItsQueue()
                                ? "the process that ran it (worker " + o.workerId() + ", the only one serving its"
                                        + " queue) stopped heartbeating"
                                : "worker " + o.workerId() + " stopped heartbeating",
                        null,
                        now,
                        null))
                .toList();
        var result = worker.record(batch);
        log.warn("Recorded {} attempts of dead workers as lost", result.recorded());
        worker.wake();
    }

    /** Deletes attempt logs past their retention; returns how many. Never the log of a running attempt. */
    public int sweepLogs() {
        return logRetention.sweep(worker.running().values().stream()
                .map(h -> java.nio.file.Path.of(h.claimed.logPath()))
                .toList());
    }

    /** This node's attempt-log counters, for metrics. */
    public LogStats logStats() {
        return logStats;
    }

    /** Attempt logs: this node's files and, when configured, the store shared with other nodes. */
    public LogStore logs() {
        return logStore;
    }

    /** Adds a listener told, after commit, of finished tasks and runs (webhooks, backfill progress). */
    public Engine onEvents(RunEvents listener) {
        events.add(listener);
        return this;
    }

    /**
     * Makes this process's worker resolve relative paths in the DAG's tasks against {@code file}'s folder instead
     * of the folder of the file the database names: {@code dags test} runs the file it was given, which need not
     * be the one the DAG's owner loaded.
     */
    public void useDagFile(String dagId, java.nio.file.Path file) {
        dagDirectories.use(dagId, file);
    }

    /** Wakes the worker now (tests with an injected clock call this after moving time). */
    public void wake() {
        worker.wake();
    }

    public RunCoordinator runs() {
        return coordinator;
    }

    /** Operator actions: cancel, clear, mark. */
    public RunControl control() {
        return control;
    }

    public DagGraphs graphs() {
        return graphs;
    }

    public Clock clock() {
        return clock;
    }

    public DagRepository dags() {
        return dags;
    }

    public String workerId() {
        return workerId;
    }

    public Database database() {
        return db;
    }

    @Override
    public synchronized void close() {
        if (!started) return;
        started = false;
        if (config.runWorker()) worker.stop(config.drainTimeout());
        listener.close();
        housekeeping.shutdownNow();
        // After the worker: the attempts it finished while draining have finished their uploads on their threads.
        if (logUploads != null) logUploads.shutdownNow();
        workers.markStopped(workerId, clock.instant());
        log.info("Engine stopped: node {}", workerId);
    }
}
