package dev.sluice.server;

import dev.sluice.server.api.AdminRoutes;
import dev.sluice.server.api.AssetRoutes;
import dev.sluice.server.api.AuthRoutes;
import dev.sluice.server.api.DagRoutes;
import dev.sluice.server.api.OperationsRoutes;
import dev.sluice.server.api.RunRoutes;
import dev.sluice.server.api.SystemRoutes;
import dev.sluice.server.api.TaskRoutes;
import dev.sluice.server.auth.AdminBootstrap;
import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.auth.Authenticator;
import dev.sluice.server.auth.ClientAddress;
import dev.sluice.server.auth.LoginThrottle;
import dev.sluice.server.auth.TokenStore;
import dev.sluice.server.auth.UserStore;
import dev.sluice.server.events.EventHub;
import dev.sluice.server.extension.ApiContext;
import dev.sluice.server.extension.ApiExtension;
import dev.sluice.server.http.ApiError;
import dev.sluice.server.http.ApiJson;
import dev.sluice.server.http.Bodies;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.ErrorTable;
import dev.sluice.server.http.HttpSettings;
import dev.sluice.server.http.ProtocolErrors;
import dev.sluice.server.http.RouteTable;
import dev.sluice.server.http.SecurityHeaders;
import dev.sluice.server.metrics.EngineMetrics;
import dev.sluice.server.query.BackfillQueries;
import dev.sluice.server.query.DagQueries;
import dev.sluice.server.query.FailureQueries;
import dev.sluice.server.query.RunQueries;
import dev.sluice.server.query.TaskQueries;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The HTTP face of a Sluice process: the REST API under /api/v1, live events, metrics and the dashboard. */
public final class HttpServer implements AutoCloseable {
    private final Javalin app;
    private final RouteTable routes;
    private final EventHub events;
    private final List<String> registered;
    private final ScheduledExecutorService heartbeat;

    private HttpServer(
            Javalin app,
            RouteTable routes,
            EventHub events,
            List<String> registered,
            ScheduledExecutorService heartbeat) {
        this.app = app;
        this.routes = routes;
        this.events = events;
        this.registered = registered;
        this.heartbeat = heartbeat;
    }

    public static HttpServer start(SluiceApp sluice, HttpSettings settings, int port) {
        var dsl = sluice.db.dsl();
        var engine = sluice.engine;
        // Every handler Javalin accepts, as Javalin saw it: the OpenAPI test compares these with the document.
        List<String> registered = new CopyOnWriteArrayList<>();
        Javalin app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.http.maxRequestSize = Bodies.MAX_BYTES;
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new ProtocolErrors()));
            cfg.jsonMapper(new JavalinJackson(ApiJson.MAPPER, false));
            cfg.staticFiles.enableWebjars();
            cfg.staticFiles.add(s -> {
                s.hostedPath = "/ui";
                s.directory = "/sluice-ui";
                s.location = io.javalin.http.staticfiles.Location.CLASSPATH;
            });
            cfg.events(e -> e.handlerAdded(h -> registered.add(h.getHttpMethod().name() + " " + h.getPath())));
        });
        ErrorTable errors = new ErrorTable();
        app.exception(Exception.class, errors::handle);
        app.before(ctx -> {
            SecurityHeaders.apply(ctx);
            // Before any handler reads a byte: an oversized body is refused at once, whatever route it was sent to.
            // The long form matters: above 2^31-1 the int Content-Length reads as -1 (unknown).
            if (ctx.req().getContentLengthLong() > Bodies.MAX_BYTES) {
                ctx.header("Connection", "close");
                throw Bodies.tooLarge();
            }
        });
        app.error(404, ctx -> {
            // Javalin answers unknown paths in plain text; API clients get the usual JSON error instead.
            String type = ctx.res().getContentType();
            if (ctx.path().startsWith(RouteTable.PREFIX) && (type == null || !type.startsWith("application/json"))) {
                ctx.json(new ApiError("no such endpoint: " + ctx.method() + " " + ctx.path(), null, false));
            }
        });
        app.error(405, ctx -> ctx.json(new ApiError("method not allowed", null, false)));

        UserStore users = new UserStore(dsl);
        TokenStore tokens = new TokenStore(dsl);
        AuditLog audit = new AuditLog(dsl);
        AdminBootstrap.ensureAdmin(users, System.getenv("SLUICE_ADMIN_PASSWORD"), System.out);
        RouteTable routes = new RouteTable(app, new Authenticator(users, tokens), settings);

        TaskQueries tasks = new TaskQueries(dsl, engine.dags(), sluice.engineConfig.deadAfter(), engine.logs());
        RunQueries runs = new RunQueries(dsl, engine.dags(), tasks);
        DagQueries dags = new DagQueries(dsl, engine.dags(), engine.clock());
        EventHub events = new EventHub(sluice.db);
        EngineMetrics metrics = new EngineMetrics(dsl);
        metrics.bindLogs(engine.logStats());
        metrics.bindNotifications(sluice.notifications);
        events.onNotification(metrics::observe);

        AuthRoutes.register(
                routes,
                users,
                audit,
                new LoginThrottle(dsl, java.time.Clock.systemUTC()),
                ClientAddress.fromEnvironment());
        DagRoutes.register(
                routes,
                dags,
                runs,
                (dagId, paused) -> paused ? sluice.scheduler.pause(dagId) : sluice.scheduler.unpause(dagId),
                audit);
        RunRoutes.register(routes, runs, dags, engine.runs(), engine.control(), audit, engine.clock());
        TaskRoutes.register(routes, tasks, runs, engine.control(), audit);
        OperationsRoutes.register(
                routes, new FailureQueries(dsl), new BackfillQueries(dsl), sluice.backfills, dags, audit);
        AdminRoutes.register(routes, users, tokens, audit);
        AssetRoutes.register(routes, dsl, runs, audit, engine.clock());
        // Routes other modules contribute (the model registry): same table, so same auth, OpenAPI and tests.
        ApiContext contributions = new ApiContext(
                routes, errors, audit, sluice.config, sluice.db.dataSource(), sluice.store, sluice.services);
        for (ApiExtension extension : ApiExtension.discover()) extension.register(contributions);
        SystemRoutes.register(routes, sluice.db, metrics, events);
        app.get("/", ctx -> ctx.redirect("/ui/"));

        events.start();
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("sluice-sse-heartbeat").factory());
        heartbeat.scheduleWithFixedDelay(events::heartbeat, 15, 15, TimeUnit.SECONDS);
        app.start(settings.bind(), port);
        return new HttpServer(app, routes, events, registered, heartbeat);
    }

    public int port() {
        return app.port();
    }

    /** The address the server listens on, as Jetty's connector holds it (SLUICE_BIND / --bind). */
    public String host() {
        return ((org.eclipse.jetty.server.ServerConnector)
                        app.jettyServer().server().getConnectors()[0])
                .getHost();
    }

    /** What the route table declared (documented in OpenAPI). */
    public List<Endpoint> endpoints() {
        return routes.endpoints();
    }

    /** "METHOD /path" of every handler Javalin registered, whichever way it was added. */
    public List<String> registeredHandlers() {
        return List.copyOf(registered);
    }

    public EventHub events() {
        return events;
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        events.close();
        app.stop();
    }
}
