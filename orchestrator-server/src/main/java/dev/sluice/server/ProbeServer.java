package dev.sluice.server;

import dev.sluice.server.api.SystemRoutes;
import dev.sluice.server.http.ApiJson;
import dev.sluice.server.http.RouteTable;
import dev.sluice.server.http.SecurityHeaders;
import dev.sluice.server.metrics.EngineMetrics;
import dev.sluice.store.Database;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.time.Duration;

/**
 * The HTTP face of a scheduler or worker node: liveness, readiness and metrics for an orchestrator's probes and a
 * Prometheus scrape, and nothing else: no API, no dashboard, no login. These three answer anyone, as they do on
 * the server.
 */
public final class ProbeServer implements AutoCloseable {
    static final Duration READY_WITHIN = Duration.ofSeconds(1);

    private final Javalin app;

    private ProbeServer(Javalin app) {
        this.app = app;
    }

    public static ProbeServer start(Database db, String bind, int port) {
        return start(db, bind, port, null);
    }

    /** With a scheduler's notification counters ({@code outbox} null on other nodes). */
    public static ProbeServer start(Database db, String bind, int port, dev.sluice.notify.NotificationOutbox outbox) {
        EngineMetrics metrics = new EngineMetrics(db.dsl());
        metrics.bindNotifications(outbox);
        Javalin app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.jsonMapper(new JavalinJackson(ApiJson.MAPPER, false));
        });
        app.before(SecurityHeaders::apply);
        app.get(RouteTable.PREFIX + "/health", ctx -> ctx.json(new SystemRoutes.Health("ok")));
        app.get(RouteTable.PREFIX + "/health/ready", ctx -> {
            if (db.reachable(READY_WITHIN)) ctx.json(new SystemRoutes.Ready("ready", "ok"));
            else
                ctx.status(503)
                        .json(new SystemRoutes.Ready(
                                "unavailable", "no answer within " + READY_WITHIN.toMillis() + " ms"));
        });
        app.get(
                RouteTable.PREFIX + "/metrics",
                ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                        .result(metrics.scrape()));
        app.error(
                404,
                ctx -> ctx.json(new dev.sluice.server.http.ApiError(
                        "no such endpoint on this node (it serves only health, readiness and metrics): " + ctx.method()
                                + " " + ctx.path(),
                        null,
                        false)));
        app.start(bind, port);
        return new ProbeServer(app);
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
