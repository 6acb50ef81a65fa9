package dev.sluice.server.auth;

import dev.sluice.server.http.ApiException;
import io.javalin.http.Context;
import java.time.Clock;

/**
 * Finds who is calling — an {@code Authorization: Bearer} API token, else the session cookie — and refuses the
 * call when the endpoint's role is not met: 401 without valid credentials (a token that is unknown, expired or
 * whose owner was deleted), 403 with too small a role.
 */
public final class Authenticator {
    public static final String SESSION_COOKIE = "sluice_session";
    private final UserStore users;
    private final TokenStore tokens;
    private final Clock clock;

    public Authenticator(UserStore users, TokenStore tokens) {
        this(users, tokens, Clock.systemUTC());
    }

    public Authenticator(UserStore users, TokenStore tokens, Clock clock) {
        this.users = users;
        this.tokens = tokens;
        this.clock = clock;
    }

    /** The caller for an endpoint needing {@code role}; null for open endpoints (role null) called anonymously. */
    public Principal require(Context ctx, Role role) {
        if (role == null) return null;
        Principal who = identify(ctx);
        if (who == null) throw new ApiException(401, "authentication required: log in or send a Bearer token", null);
        if (!who.role().includes(role)) {
            throw new ApiException(
                    403, who.name() + " has role " + who.role().apiName() + "; this needs " + role.apiName(), null);
        }
        return who;
    }

    private Principal identify(Context ctx) {
        String header = ctx.header("Authorization");
        if (header != null) {
            if (!header.regionMatches(true, 0, "Bearer ", 0, 7))
                throw new ApiException(401, "Authorization must be 'Bearer <token>'", null);
            var match = tokens.find(header.substring(7).trim())
                    .orElseThrow(() -> new ApiException(401, "invalid API token", null));
            if (match.expiredAt(clock.instant())) {
                throw new ApiException(
                        401, "API token expired at " + match.expiresAt() + "; ask an admin for a new one", null);
            }
            return match.principal();
        }
        String session = ctx.cookie(SESSION_COOKIE);
        return session == null || session.isBlank()
                ? null
                : users.session(session).orElse(null);
    }
}
