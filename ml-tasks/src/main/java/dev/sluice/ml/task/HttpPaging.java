package dev.sluice.ml.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an HTTP source finds its next page. Config {@code paging} is a mode name, or a mapping with {@code mode} and
 * the mode's options:
 *
 * <ul>
 *   <li>{@code none}: one request.
 *   <li>{@code page}: {@code param} (default page) counts from {@code start} (default 1); {@code size_param} and
 *       {@code size} send a page size. Stops at the first page without records.
 *   <li>{@code offset}: {@code offset_param} (default offset) is the number of records received so far, and
 *       {@code limit_param} (default limit) sends {@code limit} (default 100). Counting what came back rather than
 *       adding the limit keeps it right when the API caps the limit lower. Stops at a page without records.
 *   <li>{@code cursor}: the value at {@code cursor_field} (a dotted path or JSON pointer in the body) is sent as
 *       {@code cursor_param} (default cursor). Stops when the field is missing, null or empty.
 *   <li>{@code link}: the next URL is the value at {@code next_field}, or without it the RFC 8288 (ex 5988)
 *       {@code Link: <...>; rel="next"} header. Relative URLs resolve against the current one. Stops without one.
 * </ul>
 *
 * Page, offset and cursor parameters replace a same-named parameter of the configured URL and keep the others.
 */
final class HttpPaging {
    private static final Map<String, Set<String>> OPTIONS = Map.of(
            "none", Set.of(),
            "page", Set.of("param", "start", "size_param", "size"),
            "offset", Set.of("offset_param", "limit_param", "limit"),
            "cursor", Set.of("cursor_field", "cursor_param"),
            "link", Set.of("next_field"));
    private static final Pattern LINK = Pattern.compile("<([^>]*)>([^<]*)");
    private static final Pattern REL = Pattern.compile("(?i)\\brel\\s*=\\s*(?:\"([^\"]*)\"|([^;,\\s]+))");

    private final String mode;
    private final Map<String, Object> opts;

    private HttpPaging(String mode, Map<String, Object> opts) {
        this.mode = mode;
        this.opts = opts;
    }

    String mode() {
        return mode;
    }

    /** Errors in config {@code paging}, each naming the key. */
    static List<String> validate(Object paging) {
        List<String> errors = new ArrayList<>();
        if (paging == null) return errors;
        String mode;
        Map<?, ?> opts = Map.of();
        if (paging instanceof String s) {
            mode = s;
        } else if (paging instanceof Map<?, ?> m) {
            opts = m;
            mode = m.get("mode") == null ? null : m.get("mode").toString();
            if (mode == null) {
                errors.add("paging.mode is required: none, page, offset, cursor or link");
                return errors;
            }
        } else {
            errors.add("paging must be a mode name or a mapping with mode");
            return errors;
        }
        if (Cfg.isTemplate(mode)) return errors;
        if (!OPTIONS.containsKey(mode)) {
            errors.add("paging must be none, page, offset, cursor or link, got \"" + mode + "\"");
            return errors;
        }
        for (Object k : opts.keySet()) {
            if (!k.equals("mode") && !OPTIONS.get(mode).contains(k.toString())) {
                errors.add("paging." + k + ": not an option of paging mode " + mode
                        + (OPTIONS.get(mode).isEmpty()
                                ? ""
                                : " (options: "
                                        + String.join(
                                                ", ",
                                                OPTIONS.get(mode).stream()
                                                        .sorted()
                                                        .toList()) + ")"));
            }
        }
        for (String k : List.of("start", "size", "limit")) {
            Object v = opts.get(k);
            if (v != null && !Cfg.isTemplate(v) && !isInteger(v, k.equals("start") ? 0 : 1)) {
                errors.add("paging." + k + " must be an integer"
                        + (k.equals("start") ? " of 0 or more" : " of 1 or more") + ", got \"" + v + "\"");
            }
        }
        if (mode.equals("page") && opts.containsKey("size_param") != opts.containsKey("size")) {
            errors.add("paging.size_param and paging.size go together");
        }
        if (mode.equals("cursor") && opts.get("cursor_field") == null) {
            errors.add(
                    "paging.cursor_field is required with paging mode cursor: where the next cursor is in the response");
        }
        return errors;
    }

    /** Assumes {@link #validate} found nothing wrong. */
    static HttpPaging parse(Object paging) {
        if (paging == null) return new HttpPaging("none", Map.of());
        if (paging instanceof String s) return new HttpPaging(s, Map.of());
        Map<String, Object> opts = new LinkedHashMap<>();
        ((Map<?, ?>) paging).forEach((k, v) -> opts.put(k.toString(), v));
        return new HttpPaging(opts.get("mode").toString(), opts);
    }

    /** The first request's URL. */
    URI first(URI base) {
        return switch (mode) {
            case "page" -> pageUrl(base, 0);
            case "offset" -> offsetUrl(base, 0);
            default -> base;
        };
    }

    /**
     * The next request's URL, or null when the read is complete.
     *
     * @param pages   pages received so far, this one included
     * @param seen    records received so far, this page's included
     * @param records records on this page
     */
    URI next(URI base, URI current, int pages, long seen, int records, JsonNode body, HttpHeaders headers) {
        return switch (mode) {
            case "page" -> records == 0 ? null : pageUrl(base, pages);
            case "offset" -> records == 0 ? null : offsetUrl(base, seen);
            case "cursor" -> {
                JsonNode c = at(body, str("cursor_field", null));
                yield c.isMissingNode() || c.isNull() || c.asText().isEmpty()
                        ? null
                        : withParam(base, str("cursor_param", "cursor"), c.asText());
            }
            case "link" -> {
                String next =
                        opts.containsKey("next_field") ? text(at(body, str("next_field", null))) : linkNext(headers);
                yield next == null || next.isEmpty() ? null : current.resolve(next);
            }
            default -> null;
        };
    }

    private URI pageUrl(URI base, int pagesBefore) {
        URI u = withParam(base, str("param", "page"), Long.toString(num("start", 1) + pagesBefore));
        return opts.containsKey("size_param")
                ? withParam(u, str("size_param", null), Long.toString(num("size", 0)))
                : u;
    }

    private URI offsetUrl(URI base, long offset) {
        URI u = withParam(base, str("offset_param", "offset"), Long.toString(offset));
        return withParam(u, str("limit_param", "limit"), Long.toString(num("limit", 100)));
    }

    /** The value at a dotted path ({@code data.items}, numbers index arrays) or a JSON pointer ({@code /data/items}). */
    static JsonNode at(JsonNode body, String path) {
        if (path.startsWith("/")) return body.at(path);
        JsonNode n = body;
        for (String part : path.split("\\.")) {
            if (n.isArray() && part.matches("\\d+")) n = n.path(Integer.parseInt(part));
            else n = n.path(part);
            if (n.isMissingNode()) return MissingNode.getInstance();
        }
        return n;
    }

    /** The target of the {@code rel="next"} link among the response's Link headers, or null. */
    static String linkNext(HttpHeaders headers) {
        for (String value : headers.allValues("link")) {
            Matcher m = LINK.matcher(value);
            while (m.find()) {
                Matcher rel = REL.matcher(m.group(2));
                if (rel.find()) {
                    String rels = rel.group(1) != null ? rel.group(1) : rel.group(2);
                    for (String r : rels.trim().split("\\s+"))
                        if (r.equalsIgnoreCase("next")) return m.group(1).trim();
                }
            }
        }
        return null;
    }

    /** {@code uri} with query parameter {@code name} set to {@code value}, replacing any it had. */
    static URI withParam(URI uri, String name, String value) {
        List<String> kept = new ArrayList<>();
        if (uri.getRawQuery() != null) {
            for (String p : uri.getRawQuery().split("&")) {
                if (p.isEmpty()) continue;
                String key =
                        URLDecoder.decode(p.contains("=") ? p.substring(0, p.indexOf('=')) : p, StandardCharsets.UTF_8);
                if (!key.equals(name)) kept.add(p);
            }
        }
        kept.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(value, StandardCharsets.UTF_8));
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority()
                + (uri.getRawPath() == null ? "" : uri.getRawPath()) + "?" + String.join("&", kept));
    }

    private static String text(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? null : n.asText();
    }

    private String str(String key, String fallback) {
        Object v = opts.get(key);
        return v == null ? fallback : v.toString();
    }

    private long num(String key, long fallback) {
        Object v = opts.get(key);
        return v == null
                ? fallback
                : v instanceof Number n
                        ? n.longValue()
                        : Long.parseLong(v.toString().trim());
    }

    private static boolean isInteger(Object v, long min) {
        try {
            long n = v instanceof Integer || v instanceof Long
                    ? ((Number) v).longValue()
                    : Long.parseLong(v.toString().trim());
            return n >= min;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
