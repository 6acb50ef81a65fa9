package dev.sluice.server;

import dev.sluice.config.SluiceConfig;
import dev.sluice.deadline.DeadlineChecker;
import dev.sluice.engine.DagBundles;
import dev.sluice.engine.DagSync;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineConfig;
import dev.sluice.engine.LogSettings;
import dev.sluice.engine.Services;
import dev.sluice.notify.NotificationOutbox;
import dev.sluice.notify.NotificationSettings;
import dev.sluice.schedule.BackfillService;
import dev.sluice.schedule.SchedulerConfig;
import dev.sluice.schedule.SchedulerService;
import dev.sluice.storage.ObjectStore;
import dev.sluice.store.Database;
import dev.sluice.task.TaskTypeRegistry;
import dev.sluice.task.process.ProcessLauncher;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Sluice node, composed from its {@link NodeRole roles}: database and engine on every node; the DAG folder
 * sync, Quartz firing, backfill stepping, the reaper, deadline checks and notification delivery on a scheduler; the API and dashboard on a server;
 * task slots on a worker. The CLI's {@code standalone} (all roles), {@code scheduler}, {@code server} and
 * {@code worker} and the tests build this same object, so what the tests run is what users run.
 */
public final class SluiceApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SluiceApp.class);

    public final SluiceConfig config;
    public final Set<NodeRole> roles;
    public final EngineConfig engineConfig;
    /** Artifacts and the files of DAG versions: SLUICE_HOME, or the shared store SLUICE_STORE_URL names. */
    public final ObjectStore store;

    public final Database db;
    public final TaskTypeRegistry types;
    /** What task types reach through TaskContext.service; the API's extensions are given them too. */
    public final Services services;

    public final Engine engine;
    /** The DAG folder's sync: a scheduler's alone (null on other nodes, which read DAGs from the database). */
    public final DagSync dagSync;
    /**
     * Null on a worker. A server holds one without starting it: its Quartz stays in standby and fires nothing, but
     * an unpause writes the re-armed trigger into the shared Quartz tables, which a scheduler then fires.
     */
    public final SchedulerService scheduler;
    /** Null on a worker. A server creates and cancels backfills; a scheduler steps them. */
    public final BackfillService backfills;

    /**
     * A scheduler's alone (null on other nodes): notifications are queued in the database by whichever node
     * recorded the event, and delivered once by one of the schedulers; deadlines are judged there too.
     */
    public final NotificationOutbox notifications;

    public final DeadlineChecker deadlines;
    private final ScheduledExecutorService resync;
    private volatile AutoCloseable dagWatch;
    private HttpServer http;
    private ProbeServer probes;

    /** A standalone node: every role in one process. */
    public SluiceApp(SluiceConfig config, Database db, Path dagsDir, EngineConfig engineConfig, Clock clock) {
        this(config, db, NodeRole.STANDALONE, dagsDir, engineConfig, clock);
    }

    /**
     * @param dagsDir the DAG folder, read only by a scheduler (null for other nodes)
     * @param engineConfig tuning; whether it runs a worker and the reaper, and its role, follow from {@code roles}
     */
    public SluiceApp(
            SluiceConfig config,
            Database db,
            Set<NodeRole> roles,
            Path dagsDir,
            EngineConfig engineConfig,
            Clock clock) {
        if (roles.isEmpty()) throw new IllegalArgumentException("a node needs at least one role");
        boolean scheduling = roles.contains(NodeRole.SCHEDULER), serving = roles.contains(NodeRole.SERVER);
        if (scheduling && dagsDir == null) throw new IllegalArgumentException("a scheduler node needs a DAG folder");
        this.config = config;
        this.roles = Set.copyOf(roles);
        this.db = db;
        this.types = TaskTypeRegistry.discover();
        try {
            this.store = config.openStore();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot open the object store " + config.storeUrl(), e);
        }
        // With SLUICE_STORE_URL set, attempt logs are shared through the same store as artifacts and DAG files, so any
        // node's API serves any attempt's log (unset: each node keeps the logs it wrote, as on one machine).
        EngineConfig node = NodeRole.engineFor(roles, engineConfig);
        if (config.storeUrl() != null && node.logs().store() == null)
            node = node.withLogs(node.logs().withStore(store));
        this.engineConfig = node;
        // Task processes get a clean environment: only what SLUICE_TASK_ENV_ALLOW lets through of the server's.
        this.services = new Services()
                .put(ProcessLauncher.class, ProcessLauncher.of(config))
                .put(ObjectStore.class, store);
        this.engine = new Engine(db, types, this.engineConfig, clock, services);
        this.notifications = scheduling
                ? new NotificationOutbox(
                        db,
                        NotificationSettings.fromEnvironment(System.getenv()),
                        engine.graphs()::dag,
                        engine.workerId(),
                        java.time.Duration.ofMillis(500),
                        null)
                : null;
        this.deadlines = scheduling ? new DeadlineChecker(db, clock, java.time.Duration.ofSeconds(1)) : null;
        this.dagSync = scheduling
                ? new DagSync(engine.dags(), types, dagsDir, config.dagSource(), config.dagFileLimits())
                        .withBundles(new DagBundles(store), DagBundles.maxBytesFromEnvironment())
                : null;
        this.scheduler = scheduling || serving ? new SchedulerService(engine, SchedulerConfig.defaults()) : null;
        this.backfills = scheduling || serving ? new BackfillService(engine) : null;
        // Schedule edits in DAG files take effect at the next sync, without a restart.
        if (dagSync != null) dagSync.onSync(scheduler::onSync);
        this.resync = scheduling
                ? Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().daemon().name("sluice-dag-sync").factory())
                : null;
    }

    /** Opens the configured database (starting the embedded one when no URL is set) and migrates it. */
    public static SluiceApp open(SluiceConfig config, Path dagsDir) {
        return open(config, dagsDir, EngineConfig.defaults(config.home()).withLogs(LogSettings.fromEnvironment()));
    }

    public static SluiceApp open(SluiceConfig config, Path dagsDir, EngineConfig engineConfig) {
        return open(config, NodeRole.STANDALONE, dagsDir, engineConfig);
    }

    /** A node of {@code roles} on the configured database; the first node to reach it migrates it. */
    public static SluiceApp open(SluiceConfig config, Set<NodeRole> roles, Path dagsDir, EngineConfig engineConfig) {
        Database db = Database.open(config, 24).migrate();
        return new SluiceApp(config, db, roles, dagsDir, engineConfig, Clock.systemUTC());
    }

    public SluiceApp start() {
        if (dagSync != null) dagSync.sync();
        engine.start();
        if (!roles.contains(NodeRole.SCHEDULER)) return this;
        // After the engine: fired schedules create runs the engine must be ready to take.
        scheduler.start();
        backfills.start(SchedulerConfig.defaults().backfillTick());
        notifications.start();
        deadlines.start();
        // Edits to DAG files take effect without a restart: at once on a file event, and every 5 s in any case (a
        // file system without events, an event lost to an overflow).
        Runnable syncQuietly = () -> {
            try {
                dagSync.sync();
            } catch (Exception e) {
                log.warn("DAG folder sync failed: {}", e.toString());
            }
        };
        resync.scheduleWithFixedDelay(syncQuietly, 5, 5, TimeUnit.SECONDS);
        dagWatch = dagSync.watch(resync, syncQuietly);
        return this;
    }

    /** HTTP on {@code port} (0: any free one) with the default settings: loopback only, as tests want. */
    public SluiceApp startHttp(int port) {
        return startHttp(dev.sluice.server.http.HttpSettings.DEFAULTS, port);
    }

    /** The API and dashboard: a server's (or standalone's) alone. */
    public SluiceApp startHttp(dev.sluice.server.http.HttpSettings settings, int port) {
        if (!roles.contains(NodeRole.SERVER)) {
            throw new IllegalStateException(
                    "a " + engineConfig.role() + " node serves no API; start its probes instead");
        }
        http = HttpServer.start(this, settings, port);
        return this;
    }

    /** Health, readiness and metrics only, for a node that serves no API (0: any free port). */
    public SluiceApp startProbes(String bind, int port) {
        probes = ProbeServer.start(db, bind, port, notifications);
        return this;
    }

    /** The running HTTP server, or null before {@link #startHttp}. */
    public HttpServer http() {
        return http;
    }

    public int httpPort() {
        return http != null ? http.port() : probes != null ? probes.port() : -1;
    }

    @Override
    public void close() {
        if (dagWatch != null) {
            try {
                dagWatch.close();
            } catch (Exception e) {
                log.debug("closing the DAG folder watch: {}", e.toString());
            }
        }
        if (resync != null) resync.shutdownNow();
        if (http != null) http.close();
        if (probes != null) probes.close();
        // Before the engine: no run may be created into an engine that is going away.
        if (backfills != null) backfills.close();
        if (scheduler != null) scheduler.close();
        // A worker drains here: it stops claiming, lets running attempts finish within the drain timeout and hands
        // the rest back; probes are already closed, so an orchestrator sees the node go away first.
        if (deadlines != null) deadlines.close();
        if (notifications != null) notifications.close();
        engine.close();
        store.close();
        db.close();
    }
}
