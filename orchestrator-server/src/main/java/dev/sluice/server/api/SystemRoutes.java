package dev.sluice.server.api;

import dev.sluice.server.auth.Role;
import dev.sluice.server.events.EventHub;
import dev.sluice.server.http.ApiJson;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.RouteTable;
import dev.sluice.server.metrics.EngineMetrics;
import dev.sluice.server.openapi.OpenApiDocument;
import dev.sluice.store.Database;
import io.javalin.http.sse.SseHandler;

/** Health, readiness, metrics, live events and the API's own documentation. */
public final class SystemRoutes {
    private SystemRoutes() {}

    /** A readiness probe must answer fast; a database that takes longer than this is not ready to serve. */
    static final java.time.Duration READY_WITHIN = java.time.Duration.ofSeconds(1);

    public record Health(String status) {}

    public record Ready(String status, String database) {}

    public static void register(RouteTable routes, Database db, EngineMetrics metrics, EventHub events) {
        routes.add(Endpoint.get("/health", null, "Liveness").returns(Health.class), (ctx, who) -> new Health("ok"));
        routes.add(
                Endpoint.get("/health/ready", null, "Readiness: 503 within a second while the database is unreachable")
                        .returns(Ready.class),
                (ctx, who) -> {
                    if (db.reachable(READY_WITHIN)) return new Ready("ready", "ok");
                    ctx.status(503)
                            .json(new Ready("unavailable", "no answer within " + READY_WITHIN.toMillis() + " ms"));
                    return null;
                });
        routes.add(Endpoint.get("/metrics", null, "Prometheus metrics").produces("text/plain"), (ctx, who) -> {
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
            return null;
        });
        // SSE: no timeout; the hub's heartbeat finds clients that went away.
        SseHandler sse = new SseHandler(0, events::connect);
        routes.addRaw(
                Endpoint.get(
                                "/events",
                                Role.VIEWER,
                                "Server-Sent Events: task, run and dag changes; Last-Event-ID replays")
                        .produces("text/event-stream"),
                ctx -> {
                    // Javalin's SSE handler ignores any other Accept; say so instead of answering an empty 200.
                    if (!"text/event-stream".equals(ctx.header("Accept"))) {
                        throw new dev.sluice.server.http.ApiException(
                                406, "send 'Accept: text/event-stream'", "Accept");
                    }
                    sse.handle(ctx);
                });
        routes.add(
                Endpoint.get("/openapi.json", null, "This API as an OpenAPI 3 document")
                        .returns(Object.class),
                (ctx, who) -> {
                    ctx.contentType("application/json")
                            .result(ApiJson.MAPPER.writeValueAsString(
                                    OpenApiDocument.generate(ApiJson.MAPPER, routes.endpoints())));
                    return null;
                });
        routes.add(
                Endpoint.get("/docs", null, "Human-readable API documentation (Swagger UI)")
                        .produces("text/html"),
                (ctx, who) -> {
                    ctx.html(DOCS);
                    return null;
                });
    }

    private static final String SWAGGER = "/webjars/swagger-ui/5.34.1";
    private static final String DOCS = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Sluice API</title>
            <link rel="stylesheet" href="%s/swagger-ui.css"></head>
            <body><div id="swagger"></div>
            <script src="%s/swagger-ui-bundle.js"></script>
            <script src="/ui/js/api-docs.js"></script>
            </body></html>
            """.formatted(SWAGGER, SWAGGER);
}
