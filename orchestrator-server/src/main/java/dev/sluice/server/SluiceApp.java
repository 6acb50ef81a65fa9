package dev.sluice.server;

import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.DagSync;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineConfig;
import dev.sluice.engine.LogSettings;
import dev.sluice.storage.ObjectStores;
import dev.sluice.engine.Services;
import dev.sluice.task.process.ProcessLauncher;
import dev.sluice.notify.WebhookConfig;
import dev.sluice.notify.WebhookNotifier;
import dev.sluice.schedule.BackfillService;
import dev.sluice.schedule.SchedulerConfig;
import dev.sluice.schedule.SchedulerService;
import dev.sluice.store.Database;
import dev.sluice.task.TaskTypeRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Sluice process: database, DAG folder sync, engine and (optionally) HTTP. The CLI's {@code standalone}
 * and the tests build the same object, so what the tests run is what users run.
 */
public final class SluiceApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SluiceApp.class);

    public final SluiceConfig config;
    public final Database db;
    public final TaskTypeRegistry types;
    public final Engine engine;
    public final DagSync dagSync;
    public final SchedulerService scheduler;
    public final BackfillService backfills;
    private final WebhookNotifier webhooks;
    private final ScheduledExecutorService resync = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sluice-dag-sync").factory());
    private HttpServer http;

    public SluiceApp(SluiceConfig config, Database db, Path dagsDir, EngineConfig engineConfig, Clock clock) {
        this.config = config;
        this.db = db;
        this.types = TaskTypeRegistry.discover();
        // Task processes get a clean environment: only what SLUICE_TASK_ENV_ALLOW lets through of the server's.
        this.engine = new Engine(db, types, engineConfig, clock,
                new Services().put(ProcessLauncher.class, ProcessLauncher.of(config)));
        this.dagSync = new DagSync(engine.dags(), types, dagsDir, config.dagSource(), config.dagFileLimits());
        this.webhooks = new WebhookNotifier(WebhookConfig.fromEnvironment(System.getenv()), engine.graphs()::dag);
        engine.onEvents(webhooks);
        this.scheduler = new SchedulerService(engine, SchedulerConfig.defaults());
        this.backfills = new BackfillService(engine);
        // Schedule edits in DAG files take effect at the next sync, without a restart.
        dagSync.onSync(scheduler::onSync);
    }

    /** Opens the configured database (starting the embedded one when no URL is set) and migrates it. */
    public static SluiceApp open(SluiceConfig config, Path dagsDir) {
        return open(config, dagsDir, EngineConfig.defaults(config.home()).withLogs(logSettings(System.getenv())));
    }

    /**
     * This node's attempt-log settings from its environment; with {@code SLUICE_STORE_URL} set, logs are shared
     * with the other nodes through that store (unset: each node keeps the logs it wrote, as on one machine).
     */
    static LogSettings logSettings(java.util.Map<String, String> env) {
        LogSettings logs = LogSettings.fromEnvironment();
        String url = env.get("SLUICE_STORE_URL");
        if (url == null || url.isBlank()) return logs;
        try {
            return logs.withStore(ObjectStores.open(url, null, env));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("SLUICE_STORE_URL: cannot open " + url + ": " + e.getMessage(), e);
        }
    }

    public static SluiceApp open(SluiceConfig config, Path dagsDir, EngineConfig engineConfig) {
        Database db = Database.open(config, 24).migrate();
        return new SluiceApp(config, db, dagsDir, engineConfig, Clock.systemUTC());
    }

    public SluiceApp start() {
        dagSync.sync();
        engine.start();
        // After the engine: fired schedules create runs the engine must be ready to take.
        scheduler.start();
        backfills.start(SchedulerConfig.defaults().backfillTick());
        // Edits to DAG files take effect without a restart.
        resync.scheduleWithFixedDelay(() -> {
            try {
                dagSync.sync();
            } catch (Exception e) {
                log.warn("DAG folder sync failed: {}", e.toString());
            }
        }, 5, 5, TimeUnit.SECONDS);
        return this;
    }

    /** HTTP on {@code port} (0: any free one) with the default settings: loopback only, as tests want. */
    public SluiceApp startHttp(int port) {
        return startHttp(dev.sluice.server.http.HttpSettings.DEFAULTS, port);
    }

    public SluiceApp startHttp(dev.sluice.server.http.HttpSettings settings, int port) {
        http = HttpServer.start(this, settings, port);
        return this;
    }

    /** The running HTTP server, or null before {@link #startHttp}. */
    public HttpServer http() {
        return http;
    }

    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    @Override
    public void close() {
        resync.shutdownNow();
        if (http != null) http.close();
        // Before the engine: no run may be created into an engine that is going away.
        backfills.close();
        scheduler.close();
        engine.close();
        webhooks.close();
        db.close();
    }
}
