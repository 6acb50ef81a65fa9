package dev.sluice.server.http;

import dev.sluice.server.auth.Authenticator;
import dev.sluice.server.auth.Principal;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every API route is registered here and nowhere else: the wrapper refuses cross-site writes ({@link CrossSiteGuard}),
 * checks the endpoint's role, refuses NUL in path and query parameters, then runs the action, writes its record as
 * JSON with the declared status, and records the endpoint for the OpenAPI document.
 */
public final class RouteTable {
    public static final String PREFIX = "/api/v1";

    private final Javalin app;
    private final Authenticator auth;
    private final HttpSettings settings;
    private final CrossSiteGuard crossSite;
    private final List<Endpoint> endpoints = new ArrayList<>();

    public RouteTable(Javalin app, Authenticator auth, HttpSettings settings) {
        this.app = app;
        this.auth = auth;
        this.settings = settings;
        this.crossSite = new CrossSiteGuard(settings);
    }

    /** Whether a cookie set in answer to this request is marked Secure (SLUICE_COOKIE_SECURE). */
    public boolean secureCookies(Context ctx) {
        return switch (settings.cookieSecure()) {
            case TRUE -> true;
            case FALSE -> false;
            case AUTO -> CrossSiteGuard.https(ctx);
        };
    }

    @FunctionalInterface
    public interface Action {
        /** Returns the response record, or null when it wrote the answer itself (text, streams). */
        Object handle(Context ctx, Principal who) throws Exception;
    }

    @FunctionalInterface
    public interface BodyAction<B> {
        Object handle(Context ctx, Principal who, B body) throws Exception;
    }

    public void add(Endpoint e, Action action) {
        register(e, ctx -> {
            Principal who = auth.require(ctx, e.role());
            Params.refuseNul(ctx);
            Object result = action.handle(ctx, who);
            if (result != null) ctx.status(e.status()).json(result);
            else if (e.status() == 204) ctx.status(204);
        });
    }

    /** A route with a JSON body of the declared type; every field optional when {@code optional}. */
    public <B> void add(Endpoint e, Class<B> body, boolean optional, BodyAction<B> action) {
        Endpoint declared = e.body(body);
        add(
                declared,
                (ctx, who) ->
                        action.handle(ctx, who, optional ? Bodies.readOptional(ctx, body) : Bodies.read(ctx, body)));
    }

    /** A route whose handler is not an action (Server-Sent Events); the role check still comes first. */
    public void addRaw(Endpoint e, Handler handler) {
        register(e, ctx -> {
            auth.require(ctx, e.role());
            Params.refuseNul(ctx);
            handler.handle(ctx);
        });
    }

    private void register(Endpoint e, Handler h) {
        endpoints.add(e);
        app.addHttpHandler(HandlerType.valueOf(e.method()), PREFIX + e.path(), ctx -> {
            crossSite.check(ctx, e);
            h.handle(ctx);
        });
    }

    public List<Endpoint> endpoints() {
        return Collections.unmodifiableList(endpoints);
    }
}
