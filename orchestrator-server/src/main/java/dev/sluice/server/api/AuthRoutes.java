package dev.sluice.server.api;

import static dev.sluice.server.auth.Authenticator.SESSION_COOKIE;

import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.auth.ClientAddress;
import dev.sluice.server.auth.LoginThrottle;
import dev.sluice.server.auth.Principal;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.UserStore;
import dev.sluice.server.http.ApiError;
import dev.sluice.server.http.ApiException;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.RouteTable;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Login (session cookie), logout and "who am I". Logins are throttled per username and per client address
 * ({@link LoginThrottle}); every failed one is audited with the username tried and the address.
 */
public final class AuthRoutes {
    private static final Logger log = LoggerFactory.getLogger(AuthRoutes.class);
    static final Duration SESSION_TTL = Duration.ofHours(12);

    public record Me(String username, String role) {}

    private AuthRoutes() {}

    public static void register(
            RouteTable routes, UserStore users, AuditLog audit, LoginThrottle throttle, ClientAddress addresses) {
        routes.add(
                Endpoint.post(
                                "/auth/login",
                                null,
                                "Log in; sets an HttpOnly, SameSite=Strict session cookie. The username matches in any case. "
                                        + "429 with Retry-After after repeated failures for the username or the client address")
                        .returns(Me.class),
                Requests.Login.class,
                false,
                (ctx, who, body) -> {
                    String name = Requests.requiredText(body.username(), "username");
                    Requests.required(body.password(), "password");
                    String address = addresses.of(ctx);
                    var check = throttle.check(name, address);
                    // Before the password check, so the right password during a lock is refused too.
                    if (check.locked()) return tooManyAttempts(ctx, check.retryAfter());
                    var user = users.verify(name, body.password());
                    if (user.isEmpty()) {
                        var failure = throttle.recordFailure(name, address);
                        Map<String, Object> details = new LinkedHashMap<>();
                        details.put("address", address);
                        details.put("failures", failure.usernameFailures());
                        if (!failure.lock().isZero()) {
                            details.put("locked_for_seconds", seconds(failure.lock()));
                            ctx.header("Retry-After", Long.toString(seconds(failure.lock())));
                        }
                        audit.record(null, "auth.login_failed", clip(name), details);
                        throw new ApiException(401, "invalid username or password", null);
                    }
                    var u = user.get();
                    if (check.usernameFailures() > 0) throttle.reset(u.username());
                    String session = users.openSession(u.username(), SESSION_TTL);
                    Cookie c = new Cookie(
                            SESSION_COOKIE,
                            session,
                            "/",
                            (int) SESSION_TTL.toSeconds(),
                            routes.secureCookies(ctx),
                            0,
                            true,
                            null,
                            null,
                            SameSite.STRICT);
                    ctx.cookie(c);
                    audit.record(
                            new Principal(u.username(), u.role()),
                            "auth.login",
                            u.username(),
                            Map.of("address", address));
                    return new Me(u.username(), u.role().apiName());
                });
        routes.add(
                Endpoint.post("/auth/logout", null, "Log out: ends the session").status(204), (ctx, who) -> {
                    String session = ctx.cookie(SESSION_COOKIE);
                    if (session != null) users.closeSession(session);
                    ctx.removeCookie(SESSION_COOKIE, "/");
                    return null;
                });
        routes.add(
                Endpoint.get("/auth/me", Role.VIEWER, "The caller's name and role")
                        .returns(Me.class),
                (ctx, who) -> new Me(who.name(), who.role().apiName()));
    }

    /**
     * Written here rather than thrown: the answer needs a Retry-After header and {@code retryable: true}. Not
     * audited (the failure that started the lock was), so a flood of refused attempts cannot flood the log.
     */
    private static Object tooManyAttempts(Context ctx, Duration wait) {
        long s = seconds(wait);
        log.warn("{} {} -> 429: login locked for {} s", ctx.method(), ctx.path(), s);
        ctx.status(429)
                .header("Retry-After", Long.toString(s))
                .json(new ApiError(
                        "too many failed logins for this username or from this address; try again in " + s + " s",
                        null,
                        true));
        return null;
    }

    private static long seconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    /** The audit log's target column holds 1000 characters; a username never has more than 100. */
    private static String clip(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }
}
