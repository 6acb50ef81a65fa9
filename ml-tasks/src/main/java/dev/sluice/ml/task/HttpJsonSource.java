package dev.sluice.ml.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.ConfigField;
import dev.sluice.task.Durations;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * source: http. GETs a JSON API page by page ({@link HttpPaging}) and spools each page's records to disk as it
 * arrives, so a read of any length holds one page in memory. Header values and the URL's query may carry secrets:
 * logs and errors show neither, only the scheme, host and path.
 */
final class HttpJsonSource {
    static final List<ConfigField> FIELDS = List.of(
            ConfigField.optional("url", FieldType.STRING, null, "source http: URL of the API's first page (GET)."),
            ConfigField.optional(
                    "headers",
                    FieldType.MAP,
                    Map.of(),
                    "source http: request headers, e.g. Authorization; their values are never logged."),
            ConfigField.optional(
                    "records",
                    FieldType.STRING,
                    null,
                    "source http: where the records are in a response, a dotted path (data.items) or JSON pointer (/data/items); default: the body, an array."),
            ConfigField.optional(
                    "paging",
                    FieldType.ANY,
                    "none",
                    "source http: none | page | offset | cursor | link, or a mapping with mode and its options (param, start, size_param, size, offset_param, limit_param, limit, cursor_field, cursor_param, next_field)."),
            ConfigField.optional(
                    "max_pages",
                    FieldType.INTEGER,
                    1000,
                    "source http: most requests one read makes; a read that needs more fails."),
            ConfigField.optional(
                    "request_timeout", FieldType.DURATION, "30s", "source http: time allowed for each response."),
            ConfigField.optional(
                    "request_retries",
                    FieldType.INTEGER,
                    3,
                    "source http: retries of a request answered 429 or 5xx, or that could not connect, with doubling waits."),
            ConfigField.optional(
                    "request_retry_wait",
                    FieldType.DURATION,
                    "1s",
                    "source http: wait before the first retry; a Retry-After header is honoured up to 60s."));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private final Cfg cfg;

    HttpJsonSource(Cfg cfg) {
        this.cfg = cfg;
    }

    static List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>();
        Object url = config.get("url");
        if (url == null || url.toString().isBlank()) {
            errors.add("url is required with source http");
        } else if (!Cfg.isTemplate(url.toString())) {
            try {
                URI u = new URI(url.toString());
                if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme())
                        || u.getHost() == null) {
                    errors.add("url must be an absolute http or https URL");
                }
            } catch (URISyntaxException e) {
                errors.add("url is not a valid URL: " + e.getReason());
            }
        }
        Object headers = config.get("headers");
        if (headers != null && !(headers instanceof Map))
            errors.add("headers must be a mapping of header name to value");
        errors.addAll(HttpPaging.validate(config.get("paging")));
        atLeast(config, "max_pages", 1, errors);
        atLeast(config, "request_retries", 0, errors);
        errors.addAll(Cfg.durationErrors(config, "request_timeout", "request_retry_wait"));
        return errors;
    }

    /** Reads every page into the DuckDB table {@code raw}; returns the number of bad records. */
    long read(TaskContext ctx, MlTask task, DuckDb db, Map<String, Object> output) throws Exception {
        URI base = URI.create(cfg.str("url"));
        HttpPaging paging = HttpPaging.parse(cfg.raw("paging"));
        int maxPages = cfg.integer("max_pages");
        Duration timeout = Durations.parse(cfg.str("request_timeout"));
        try (RecordSpool spool = new RecordSpool(ctx, task, cfg, Map.of());
                HttpClient client = HttpClient.newBuilder()
                        .connectTimeout(timeout)
                        .followRedirects(HttpClient.Redirect.NORMAL)
                        .build()) {
            URI next = paging.first(base);
            int pages = 0;
            long seen = 0;
            while (next != null) {
                if (ctx.isCancelled()) throw new TaskFailedException("cancelled while reading " + redact(base));
                if (pages == maxPages) {
                    throw new TaskFailedException(redact(base) + " has more than max_pages " + maxPages
                            + " pages (paging " + paging.mode() + "): raise max_pages or narrow the request");
                }
                URI current = next;
                Page page = fetch(ctx, client, current, ++pages, timeout);
                JsonNode records = records(page.body(), current, pages);
                for (int i = 0; i < records.size(); i++) {
                    JsonNode r = records.get(i);
                    Map<String, Object> origin = new LinkedHashMap<>();
                    origin.put("page", pages);
                    origin.put("index", i);
                    spool.add(r, Map.of(), origin, r.toString());
                }
                seen += records.size();
                ctx.log().printf("GET %s page %d: %d records%n", redact(current), pages, records.size());
                next = paging.next(base, current, pages, seen, records.size(), page.body(), page.headers());
                if (current.equals(next)) {
                    throw new TaskFailedException("paging " + paging.mode() + " does not advance: page " + pages
                            + " of " + redact(base) + " names itself as the next page");
                }
            }
            long bad = spool.finish(db, output);
            output.put("pages", pages);
            ctx.log().printf("read %d records (%d bad) in %d pages from %s%n", spool.good(), bad, pages, redact(base));
            return bad;
        }
    }

    private record Page(JsonNode body, HttpHeaders headers) {}

    private Page fetch(TaskContext ctx, HttpClient client, URI uri, int pageNo, Duration timeout) throws Exception {
        int retries = cfg.integer("request_retries");
        Duration backoff = Durations.parse(cfg.str("request_retry_wait"));
        String what = "GET " + redact(uri) + " (page " + pageNo + ")";
        for (int attempt = 1; ; attempt++) {
            HttpResponse<InputStream> resp;
            try {
                resp = client.send(request(uri, timeout), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                if (attempt > retries) {
                    throw new TaskFailedException(what + " failed" + attempts(attempt) + ": "
                            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
                }
                Duration wait = wait(backoff, attempt, null);
                ctx.log()
                        .printf(
                                "%s: %s, retry %d of %d in %d ms%n",
                                what, e.getClass().getSimpleName(), attempt, retries, wait.toMillis());
                Thread.sleep(wait.toMillis());
                continue;
            }
            int status = resp.statusCode();
            if (status / 100 == 2) {
                try (InputStream in = resp.body()) {
                    JsonNode body = JSON.readTree(in);
                    if (body == null || body.isMissingNode())
                        throw new TaskFailedException(what + " returned an empty body, not JSON");
                    return new Page(body, resp.headers());
                } catch (JsonProcessingException e) {
                    throw new TaskFailedException(what + " did not return JSON: " + e.getOriginalMessage());
                }
            }
            String snippet = snippet(resp.body());
            if ((status == 429 || status >= 500) && attempt <= retries) {
                Duration wait = wait(backoff, attempt, resp.headers());
                ctx.log()
                        .printf(
                                "%s: status %d, retry %d of %d in %d ms%n",
                                what, status, attempt, retries, wait.toMillis());
                Thread.sleep(wait.toMillis());
                continue;
            }
            throw new TaskFailedException(
                    what + " returned status " + status + attempts(attempt) + "; body starts: " + snippet);
        }
    }

    private HttpRequest request(URI uri, Duration timeout) throws TaskFailedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET();
        for (Map.Entry<String, Object> h : cfg.map("headers").entrySet()) {
            try {
                req.setHeader(h.getKey(), String.valueOf(h.getValue()));
            } catch (IllegalArgumentException e) {
                // The JDK's message may quote the value, which may be a secret: name the header only.
                throw new TaskFailedException(
                        "headers." + h.getKey() + " cannot be sent (a restricted or malformed header)");
            }
        }
        return req.build();
    }

    /** The array of records on a page; a missing field ends the read, except on the first page, where it is a mistake. */
    private JsonNode records(JsonNode body, URI uri, int page) throws TaskFailedException {
        String path = cfg.str("records", null);
        if (path == null) {
            if (body.isArray()) return body;
            throw new TaskFailedException("the response of " + redact(uri) + " is " + kind(body)
                    + ", not an array: set records to where its records are" + fields(body));
        }
        JsonNode n = HttpPaging.at(body, path);
        if (n.isMissingNode() || n.isNull()) {
            if (page == 1) {
                throw new TaskFailedException(
                        "records: no \"" + path + "\" in the response of " + redact(uri) + fields(body));
            }
            return JSON.createArrayNode();
        }
        if (!n.isArray())
            throw new TaskFailedException("records: \"" + path + "\" in the response of " + redact(uri) + " is "
                    + kind(n) + ", not an array");
        return n;
    }

    /** Exponential from {@code backoff}, or the server's Retry-After in seconds; never longer than a minute. */
    static Duration wait(Duration backoff, int attempt, HttpHeaders headers) {
        Duration d = backoff.multipliedBy(1L << Math.min(attempt - 1, 16));
        if (headers != null) {
            String after = headers.firstValue("retry-after").orElse("");
            if (after.matches("\\d{1,6}")) d = Duration.ofSeconds(Long.parseLong(after));
        }
        return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
    }

    /** Scheme, host, port and path: the query and user info may hold credentials. */
    static String redact(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static String attempts(int attempt) {
        return attempt > 1 ? " after " + attempt + " attempts" : "";
    }

    private static String snippet(InputStream body) {
        try (body) {
            return RecordSpool.abbreviate(new String(body.readNBytes(400), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static String kind(JsonNode n) {
        return n.isObject()
                ? "an object"
                : n.isArray()
                        ? "an array"
                        : n.isTextual() ? "a string" : n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String fields(JsonNode body) {
        if (!body.isObject()) return "";
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        return names.isEmpty()
                ? ""
                : " (its fields: " + names.stream().limit(20).collect(Collectors.joining(", ")) + ")";
    }

    private static void atLeast(Map<String, Object> config, String key, long min, List<String> errors) {
        Object v = config.get(key);
        if (v == null || Cfg.isTemplate(v.toString())) return;
        try {
            if (Long.parseLong(v.toString().trim()) >= min) return;
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.add(key + " must be an integer of " + min + " or more, got \"" + v + "\"");
    }
}
