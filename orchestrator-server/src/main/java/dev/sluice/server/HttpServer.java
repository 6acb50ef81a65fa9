package dev.sluice.server;

import io.javalin.Javalin;
import java.util.Map;

/** The HTTP face of a Sluice process. */
public final class HttpServer implements AutoCloseable {
    private final Javalin app;

    private HttpServer(Javalin app) {
        this.app = app;
    }

    public static HttpServer start(SluiceApp sluice, int port) {
        Javalin app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.staticFiles.add(s -> {
                s.hostedPath = "/ui";
                s.directory = "/sluice-ui";
                s.location = io.javalin.http.staticfiles.Location.CLASSPATH;
            });
            // The dashboard's JS libraries (cytoscape, dagre, chart.js) are WebJars on the classpath.
            cfg.staticFiles.enableWebjars();
        });
        app.get("/", ctx -> ctx.redirect("/ui/"));
        app.get("/api/v1/health", ctx -> ctx.json(Map.of("status", "ok")));
        app.get("/api/v1/health/ready", ctx -> {
            try {
                sluice.db.dsl().selectOne().fetch();
                ctx.json(Map.of("status", "ready", "database", "ok"));
            } catch (Exception e) {
                ctx.status(503).json(Map.of("status", "unavailable", "database", e.getClass().getSimpleName()));
            }
        });
        app.start(port);
        return new HttpServer(app);
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
