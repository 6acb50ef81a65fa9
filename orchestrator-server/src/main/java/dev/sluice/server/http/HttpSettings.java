package dev.sluice.server.http;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the HTTP edge faces the network: the address it listens on, when the session cookie is marked Secure, and
 * which other origins (a reverse proxy's public address) may send cookie-authenticated writes. These are HTTP
 * concerns, so they live here and not in core's SluiceConfig, which knows nothing of HTTP.
 *
 * <p>{@code SLUICE_BIND} defaults to 127.0.0.1: a fresh install answers only on this machine until someone decides
 * to expose it (the container image sets 0.0.0.0, where the port mapping is the boundary).
 */
public record HttpSettings(String bind, CookieSecure cookieSecure, List<String> allowedOrigins) {
    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final HttpSettings DEFAULTS = new HttpSettings(DEFAULT_BIND, CookieSecure.AUTO, List.of());

    /** When the session cookie carries {@code Secure}. */
    public enum CookieSecure {
        /** Secure when the request came over HTTPS, directly or per {@code X-Forwarded-Proto: https} from a proxy. */
        AUTO,
        /** Always: for servers only reached through HTTPS. */
        TRUE,
        /** Never: plain-HTTP setups whose proxy sends a misleading X-Forwarded-Proto. */
        FALSE
    }

    public HttpSettings {
        if (bind == null || bind.isBlank())
            throw new IllegalArgumentException("SLUICE_BIND must be an address, e.g. 127.0.0.1 or 0.0.0.0");
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    public HttpSettings withBind(String address) {
        return new HttpSettings(address, cookieSecure, allowedOrigins);
    }

    public HttpSettings withAllowedOrigins(List<String> origins) {
        return new HttpSettings(
                bind,
                cookieSecure,
                origins.stream().map(o -> origin(o, "SLUICE_ALLOWED_ORIGINS")).toList());
    }

    public HttpSettings withCookieSecure(CookieSecure mode) {
        return new HttpSettings(bind, mode, allowedOrigins);
    }

    /** Environment variables, each overridable by a system property of the same name (as SluiceConfig does). */
    public static HttpSettings fromEnvironment() {
        Map<String, String> env = new HashMap<>(System.getenv());
        for (String key : new String[] {"SLUICE_BIND", "SLUICE_COOKIE_SECURE", "SLUICE_ALLOWED_ORIGINS"}) {
            String v = System.getProperty(key);
            if (v != null) env.put(key, v);
        }
        return from(env);
    }

    public static HttpSettings from(Map<String, String> env) {
        String bind = env.get("SLUICE_BIND");
        String secure = env.get("SLUICE_COOKIE_SECURE");
        String origins = env.get("SLUICE_ALLOWED_ORIGINS");
        List<String> list = new ArrayList<>();
        if (origins != null) {
            for (String o : origins.split(",")) if (!o.isBlank()) list.add(o.trim());
        }
        return new HttpSettings(
                        bind == null || bind.isBlank() ? DEFAULT_BIND : bind.trim(), cookieSecure(secure), List.of())
                .withAllowedOrigins(list);
    }

    private static CookieSecure cookieSecure(String s) {
        if (s == null || s.isBlank()) return CookieSecure.AUTO;
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> CookieSecure.AUTO;
            case "true" -> CookieSecure.TRUE;
            case "false" -> CookieSecure.FALSE;
            default ->
                throw new IllegalArgumentException(
                        "SLUICE_COOKIE_SECURE must be auto, true or false, got \"" + s + "\"");
        };
    }

    /**
     * An origin in the form browsers send it: lower-case scheme and host, the port only when it is not the scheme's
     * default. Null when {@code text} is not an http(s) origin (browsers send "null" from sandboxed pages).
     */
    public static String normalizeOrigin(String text) {
        try {
            URI u = new URI(text.trim());
            String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
            if (!"http".equals(scheme) && !"https".equals(scheme) || u.getHost() == null) return null;
            int port = u.getPort();
            boolean defaultPort =
                    port == -1 || scheme.equals("http") && port == 80 || scheme.equals("https") && port == 443;
            return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    private static String origin(String text, String setting) {
        String o = normalizeOrigin(text);
        boolean bare;
        try {
            URI u = new URI(text.trim());
            bare = (u.getRawPath() == null
                            || u.getRawPath().isEmpty()
                            || u.getRawPath().equals("/"))
                    && u.getRawQuery() == null
                    && u.getRawFragment() == null
                    && u.getRawUserInfo() == null;
        } catch (java.net.URISyntaxException e) {
            bare = false;
        }
        if (o == null || !bare) {
            throw new IllegalArgumentException(
                    setting + " holds origins like https://sluice.example.com (scheme, host, optional port), got \""
                            + text + "\"");
        }
        return o;
    }
}
