package dev.sluice.server.auth;

import dev.sluice.server.http.ApiException;
import io.javalin.http.Context;

/**
 * Finds who is calling — an {@code Authorization: Bearer} API token, else the session cookie — and refuses the
 * call when the endpoint's role is not met: 401 without valid credentials, 403 with too small a role.
 */
public final class Authenticator {
    public static final String SESSION_COOKIE = "sluice_session";
    private final UserStore users;
    private final TokenStore tokens;

    public Authenticator(UserStore users, TokenStore tokens) {
        this.users = users;
        this.tokens = tokens;
    }

    /** The caller for an endpoint needing {@code role}; null for open endpoints (role null) called anonymously. */
    public Principal require(Context ctx, Role role) {
        if (role == null) return null;
        Principal who = identify(ctx);
        if (who == null) throw new ApiException(401, "authentication required: log in or send a Bearer token", null);
        if (!who.role().includes(role)) {
            throw new ApiException(403, who.name() + " has role " + who.role().apiName() + "; this needs " + role.apiName(), null);
        }
        return who;
    }

    private Principal identify(Context ctx) {
        String header = ctx.header("Authorization");
        if (header != null) {
            if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) throw new ApiException(401, "Authorization must be 'Bearer <token>'", null);
            return tokens.find(header.substring(7).trim())
                    .orElseThrow(() -> new ApiException(401, "invalid API token", null));
        }
        String session = ctx.cookie(SESSION_COOKIE);
        return session == null || session.isBlank() ? null : users.session(session).orElse(null);
    }
}
