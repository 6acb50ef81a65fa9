package dev.sluice.server.api;

import static dev.sluice.server.auth.Authenticator.SESSION_COOKIE;

import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.UserStore;
import dev.sluice.server.http.ApiException;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.RouteTable;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.time.Duration;
import java.util.Map;

/** Login (session cookie), logout and "who am I". */
public final class AuthRoutes {
    static final Duration SESSION_TTL = Duration.ofHours(12);

    public record Me(String username, String role) {}

    private AuthRoutes() {}

    public static void register(RouteTable routes, UserStore users, AuditLog audit) {
        routes.add(Endpoint.post("/auth/login", null, "Log in; sets an HttpOnly, SameSite=Strict session cookie").returns(Me.class),
                Requests.Login.class, false, (ctx, who, body) -> {
                    String name = Requests.requiredText(body.username(), "username");
                    var user = users.verify(name, body.password())
                            .orElseThrow(() -> new ApiException(401, "invalid username or password", null));
                    String session = users.openSession(user.username(), SESSION_TTL);
                    Cookie c = new Cookie(SESSION_COOKIE, session, "/", (int) SESSION_TTL.toSeconds(), routes.secureCookies(ctx), 0, true, null, null, SameSite.STRICT);
                    ctx.cookie(c);
                    audit.record(new dev.sluice.server.auth.Principal(user.username(), user.role()), "auth.login", user.username(), Map.of());
                    return new Me(user.username(), user.role().apiName());
                });
        routes.add(Endpoint.post("/auth/logout", null, "Log out: ends the session").status(204), (ctx, who) -> {
            String session = ctx.cookie(SESSION_COOKIE);
            if (session != null) users.closeSession(session);
            ctx.removeCookie(SESSION_COOKIE, "/");
            return null;
        });
        routes.add(Endpoint.get("/auth/me", Role.VIEWER, "The caller's name and role").returns(Me.class),
                (ctx, who) -> new Me(who.name(), who.role().apiName()));
    }
}
