package dev.sluice.server.http;

import dev.sluice.server.auth.Authenticator;
import io.javalin.http.Context;
import java.util.Locale;

/**
 * Refuses cross-site request forgery. SameSite=Strict alone lets any origin of the same site (another port on the
 * same host, a sibling subdomain) ride the session cookie, so a write that a browser could have sent by itself
 * must prove it comes from this server's own pages:
 * <ul>
 *   <li>its {@code Origin} (else {@code Referer}) is this server's origin (scheme from the request or
 *       {@code X-Forwarded-Proto}, host from {@code Host}) or one listed in {@code SLUICE_ALLOWED_ORIGINS}: else 403;
 *   <li>its {@code Content-Type} is {@code application/json}, which a page of another origin cannot send without a
 *       CORS preflight this server never grants: else 415.
 * </ul>
 * The rule covers every write (any method but GET, HEAD, OPTIONS) that carries the session cookie, and the open
 * writes (login, logout) where a foreign Origin would log a victim into the attacker's account. A login without
 * Origin or Referer comes from a script (browsers always send Origin on POST) and is let through. Requests with an
 * {@code Authorization} header are not affected: a browser never attaches one by itself.
 */
public final class CrossSiteGuard {
    private final HttpSettings settings;

    public CrossSiteGuard(HttpSettings settings) {
        this.settings = settings;
    }

    public void check(Context ctx, Endpoint e) {
        String method = ctx.method().name();
        if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) return;
        if (ctx.header("Authorization") != null) return;
        String session = ctx.cookie(Authenticator.SESSION_COOKIE);
        boolean cookie = session != null && !session.isBlank();
        // Without any credentials a protected route answers 401 by itself; nothing to forge.
        if (!cookie && e.role() != null) return;

        String origin = ctx.header("Origin");
        String source = origin != null ? origin : ctx.header("Referer");
        if (source == null) {
            if (cookie) {
                throw new ApiException(
                        403,
                        "a write with the session cookie must carry an Origin or Referer header naming this server",
                        "Origin");
            }
        } else {
            String from = HttpSettings.normalizeOrigin(source);
            if (from == null || !allowed(from, ctx)) {
                throw new ApiException(
                        403,
                        "cross-origin write refused: " + (from == null ? "\"" + source + "\"" : from)
                                + " is not this server; behind a reverse proxy, list its public origin in SLUICE_ALLOWED_ORIGINS",
                        origin != null ? "Origin" : "Referer");
            }
        }
        if (!isJson(ctx.header("Content-Type"))) {
            throw new ApiException(
                    415, "a write with the session cookie needs Content-Type: application/json", "Content-Type");
        }
    }

    private boolean allowed(String origin, Context ctx) {
        return origin.equals(self(ctx)) || settings.allowedOrigins().contains(origin);
    }

    /** This server's origin as the browser addressed it; null without a Host header. */
    static String self(Context ctx) {
        String host = ctx.header("Host");
        if (host == null || host.isBlank()) return null;
        return HttpSettings.normalizeOrigin((https(ctx) ? "https" : "http") + "://" + host.trim());
    }

    /** Whether the browser reached us over HTTPS: directly, or through a proxy that says so. */
    public static boolean https(Context ctx) {
        String forwarded = ctx.header("X-Forwarded-Proto");
        if (forwarded != null && !forwarded.isBlank()) {
            // A chain of proxies lists the first (the client's) protocol first.
            return forwarded.split(",")[0].trim().equalsIgnoreCase("https");
        }
        return "https".equalsIgnoreCase(ctx.scheme());
    }

    static boolean isJson(String contentType) {
        if (contentType == null) return false;
        String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return media.equals("application/json");
    }
}
