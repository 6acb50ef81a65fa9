package dev.sluice.server.http;

import io.javalin.http.Context;
import java.util.Map;

/**
 * Headers on every answer, API and dashboard alike. The dashboard is plain ES modules and stylesheets from this
 * server (no inline script or style; styles set from script go through the CSSOM, which CSP allows), so the
 * policy allows 'self' only: an injected script or a framing page gets nothing.
 */
public final class SecurityHeaders {
    public static final String CONTENT_SECURITY_POLICY = String.join(
            "; ",
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            // Swagger UI's stylesheet draws its icons from data: URIs.
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'");

    /** Sent with every answer. */
    public static final Map<String, String> ALWAYS = Map.of(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY,
            "X-Frame-Options", "DENY",
            "X-Content-Type-Options", "nosniff",
            // Same-origin requests keep their Referer (the cross-site check's fallback); others learn nothing.
            "Referrer-Policy", "same-origin",
            "Cross-Origin-Opener-Policy", "same-origin");

    private SecurityHeaders() {}

    public static void apply(Context ctx) {
        ALWAYS.forEach(ctx::header);
        // API answers hold runs, logs, users and one-time tokens: no browser or proxy cache may keep them.
        if (ctx.path().startsWith(RouteTable.PREFIX)) ctx.header("Cache-Control", "no-store");
    }
}
