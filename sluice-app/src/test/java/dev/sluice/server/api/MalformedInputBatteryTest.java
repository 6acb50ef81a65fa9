package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.UserStore;
import dev.sluice.server.http.ApiJson;
import dev.sluice.server.http.Endpoint;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Malformed input on every route of the route table (a new route joins by itself), as an admin with a bearer
 * token and, for writes, with a session cookie: NUL bytes in every path parameter, query parameter and JSON
 * string, forged cursors, dates PostgreSQL cannot hold, numbers that fit nothing, 10,000-character strings,
 * duplicate keys, wrong content types, empty and broken JSON. No answer may be a 5xx, and the refusals the API
 * promises are 400s naming the right field.
 */
class MalformedInputBatteryTest {
    static final String NUL = "a\u0000b";
    static final String LONG = "x".repeat(10_000);
    /** Long, but short enough to get past Jetty's 8 KiB request line and reach the route. */
    static final String LONGISH = "y".repeat(2_000);

    static final List<String> EXTREME_DATES = List.of(
            "+999999999-01-01",
            "-999999999-01-01",
            "0000-01-01",
            "+999999999-01-01T00:00:00Z",
            "-999999999-01-01T00:00:00Z",
            "0000-01-01T00:00:00Z");
    static final List<String> HUGE_NUMBERS = List.of("1e400", "-1e400", "9223372036854775808", "-9223372036854775809");
    static final List<String> FORGED_CURSORS = Stream.of(
                    "t-9223372036854775808:1",
                    "t-210866803200000001:1",
                    "t9223372036854775807:1",
                    "t1:-99999999999999999999",
                    "sa\u0000b",
                    "t",
                    "x1:1")
            .map(InputFindingsTest::cursor)
            .toList();
    static final Set<String> DATE_QUERY = Set.of("from", "to", "since");
    static final Set<String> NUMBER_QUERY = Set.of("limit", "version", "try", "offset", "hours", "max_psi");
    static final Set<String> DATE_FIELDS = Set.of("logical_date", "from", "to");
    /** Bodies that reach deep into each route (params, dates, numbers), where MalformedRequestTest's are minimal. */
    static final Map<String, String> SAMPLES = Map.of(
            "POST /dags/{dag_id}/runs",
                    "{\"params\":{\"n\":2,\"s\":\"text\"},\"logical_date\":\"2025-02-02T00:00:00Z\"}",
            "POST /dags/{dag_id}/runs/{run_id}/tasks/{task_id}/clear", "{\"downstream\":false,\"upstream\":false}",
            "POST /dags/{dag_id}/backfills",
                    "{\"from\":\"2025-01-01\",\"to\":\"2025-01-02\",\"max_active_runs\":1,\"rerun_existing\":false}",
            "POST /users", "{\"username\":\"battery-user\",\"password\":\"password-1\",\"role\":\"viewer\"}",
            "PATCH /users/{username}", "{\"role\":\"viewer\",\"password\":\"password-2\"}",
            "POST /tokens", "{\"name\":\"battery\",\"role\":\"viewer\"}",
            "POST /models/{name}/predict", "{\"rows\":[{\"age\":39,\"workclass\":\"Private\"}]}");

    private static ApiServer s;
    private static String cookie;
    private static String runId;

    @BeforeAll
    static void start() throws Exception {
        s = ApiServer.shared();
        UserStore users = new UserStore(s.app.db.dsl());
        if (users.get("battery-admin").isEmpty()) users.create("battery-admin", "battery-password", Role.ADMIN);
        cookie = s.login("battery-admin", "battery-password");
        var run = s.post("/dags/battery_dag/runs", Role.OPERATOR, "{\"logical_date\":\"2025-03-03T00:00:00Z\"}");
        assertThat(run.status()).as(run.body()).isIn(201, 409);
        runId = s.get("/runs?dag_id=battery_dag&from=2025-03-03&to=2025-03-03T00:00:01Z", Role.VIEWER)
                .json()
                .path("items")
                .get(0)
                .path("run_id")
                .asText();
    }

    @TestFactory
    Stream<DynamicTest> every_route_refuses_malformed_input_without_a_5xx() {
        List<Endpoint> endpoints = s.app.http().endpoints();
        assertThat(endpoints).hasSizeGreaterThan(30);
        return endpoints.stream()
                .map(e -> DynamicTest.dynamicTest(e.method() + " " + e.path(), () -> {
                    Probe p = new Probe(e);
                    p.pathParams();
                    p.queryParams();
                    if (e.body() != null) p.bodies();
                    if (!e.method().equals("GET")) p.writes();
                    assertThat(p.failures)
                            .as(p.sent + " requests to " + p.key + "; failures")
                            .isEmpty();
                }));
    }

    /** The requests for one route and what went wrong with them. */
    private static final class Probe {
        final Endpoint e;
        final String key;
        final List<String> failures = new ArrayList<>();
        int sent;

        Probe(Endpoint e) {
            this.e = e;
            this.key = e.method() + " " + e.path();
        }

        String sample() {
            return SAMPLES.getOrDefault(key, MalformedRequestTest.VALID.get(key));
        }

        Map<String, String> concrete() {
            Map<String, String> values = new LinkedHashMap<>();
            for (String name : e.pathParams()) {
                values.put(
                        name,
                        switch (name) {
                            case "dag_id" -> "battery_dag";
                            case "run_id" -> runId;
                            case "task_id" -> "only";
                            case "username" -> "nobody";
                            case "id" -> "999999";
                            case "name" -> "no_such_model";
                            case "alias" -> "champion";
                            case "asset" -> "999999";
                            default -> throw new AssertionError("add a value for path parameter " + name);
                        });
            }
            return values;
        }

        String path(Map<String, String> values, String query) {
            String p = e.path();
            for (var v : values.entrySet()) p = p.replace("{" + v.getKey() + "}", enc(v.getValue()));
            return p + (query == null ? "" : "?" + query);
        }

        ApiServer.Answer bearer(String path, String body, String contentType) {
            Map<String, String> h = new HashMap<>();
            h.put("Authorization", "Bearer " + s.tokens.get(Role.ADMIN));
            if (contentType != null) h.put("Content-Type", contentType);
            sent++;
            return s.raw(e.method(), path, h, body);
        }

        ApiServer.Answer withCookie(String path, String body, String contentType, String origin) {
            Map<String, String> h = new HashMap<>();
            h.put("Cookie", cookie);
            if (origin != null) h.put("Origin", origin);
            if (contentType != null) h.put("Content-Type", contentType);
            sent++;
            return s.raw(e.method(), path, h, body);
        }

        /** No 5xx; and when {@code status} is given, that status with {@code field}. */
        void expect(ApiServer.Answer a, String what, Integer status, String field) {
            String desc = what + " -> " + a.status() + " " + abbreviate(a.body());
            if (a.status() >= 500) {
                failures.add("5xx: " + desc);
            } else if (a.status() >= 400
                    && !a.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
                failures.add("not a JSON error: " + desc);
            } else if (status != null && a.status() != status) {
                failures.add("expected " + status + ": " + desc);
            } else if (status != null
                    && field != null
                    && !field.equals(a.json().path("field").asText(null))) {
                failures.add("expected field " + field + ": " + desc);
            }
        }

        void pathParams() {
            Map<String, String> base = concrete();
            for (String name : base.keySet()) {
                // Path parameters are names and ids, never dates: one extreme date is enough there.
                for (String v : List.of(
                        LONG,
                        LONGISH,
                        "%",
                        "..",
                        "-1",
                        "9223372036854775808",
                        "1e400",
                        " ",
                        "\u00e9\u4e2d\ud83d\ude00",
                        EXTREME_DATES.get(0))) {
                    Map<String, String> m = new LinkedHashMap<>(base);
                    m.put(name, v);
                    expect(
                            bearer(path(m, null), sample(), "application/json"),
                            "path " + name + "=" + abbreviate(v),
                            null,
                            null);
                }
                Map<String, String> m = new LinkedHashMap<>(base);
                m.put(name, NUL);
                // Jetty refuses %00 in a path before routing (so no field can be named); the answer is still JSON.
                expect(bearer(path(m, null), sample(), "application/json"), "path " + name + " with NUL", 400, null);
            }
        }

        void queryParams() {
            String path = path(concrete(), null);
            for (String q : e.queryParams()) {
                List<String> values =
                        new ArrayList<>(List.of(LONGISH, LONG, "", " ", "-1", "0", "abc", "true", "\u00e9\u4e2d"));
                values.addAll(HUGE_NUMBERS);
                values.addAll(EXTREME_DATES);
                values.addAll(FORGED_CURSORS);
                for (String v : values) {
                    boolean date = DATE_QUERY.contains(q) && EXTREME_DATES.contains(v);
                    // max_psi is a real number: 9223372036854775808 is a (silly) threshold, not an overflow.
                    boolean number = NUMBER_QUERY.contains(q)
                            && HUGE_NUMBERS.contains(v)
                            && !(q.equals("max_psi") && v.equals("9223372036854775808"));
                    boolean cursor = q.equals("cursor") && FORGED_CURSORS.contains(v);
                    expect(
                            bearer(path + "?" + q + "=" + enc(v), sample(), "application/json"),
                            "query " + q + "=" + abbreviate(v),
                            date || number || cursor ? Integer.valueOf(400) : null,
                            q);
                }
                expect(
                        bearer(path + "?" + q + "=" + enc(NUL), sample(), "application/json"),
                        "query " + q + " with NUL",
                        400,
                        q);
            }
            // Parameters a route does not read are refused with NUL as well: one rule for every parameter.
            expect(
                    bearer(path + "?zz=" + enc(NUL), sample(), "application/json"),
                    "undeclared query with NUL",
                    400,
                    "zz");
        }

        void bodies() throws Exception {
            String path = path(concrete(), null);
            String sample = sample();
            assertThat(sample).as("a sample body for " + key).isNotNull();
            JsonNode tree = ApiJson.MAPPER.readTree(sample);
            List<String> fields = new ArrayList<>();
            collect(tree, "", fields);
            for (String field : fields) {
                expect(bearer(path, mutate(tree, field, json(NUL)), "application/json"), "NUL in " + field, 400, field);
                expect(
                        bearer(path, mutate(tree, field, json(LONG)), "application/json"),
                        "10k chars in " + field,
                        null,
                        null);
                for (String d : EXTREME_DATES) {
                    // A date where a time is expected (or the reverse) is refused too: every variant is a 400 there.
                    boolean date = DATE_FIELDS.contains(field);
                    expect(
                            bearer(path, mutate(tree, field, json(d)), "application/json"),
                            d + " in " + field,
                            date ? Integer.valueOf(400) : null,
                            field);
                }
                for (String n : HUGE_NUMBERS) {
                    expect(bearer(path, mutate(tree, field, n), "application/json"), n + " in " + field, 400, field);
                }
                // A lone surrogate is not valid Unicode: it must not reach the database as such.
                expect(
                        bearer(path, mutate(tree, field, "\"\\ud800\""), "application/json"),
                        "lone surrogate in " + field,
                        null,
                        null);
                // A key given twice, at its own depth.
                if (!field.endsWith("]"))
                    expect(bearer(path, duplicate(tree, field), "application/json"), "duplicate " + field, 400, field);
            }
            // The record's own first field given twice, also for bodies whose sample is empty.
            String first = ApiJson.MAPPER.getPropertyNamingStrategy()
                            instanceof com.fasterxml.jackson.databind.PropertyNamingStrategies.NamingBase n
                    ? n.translate(e.body().getRecordComponents()[0].getName())
                    : null;
            expect(
                    bearer(path, "{\"" + first + "\":null,\"" + first + "\":null}", "application/json"),
                    "duplicate " + first,
                    400,
                    first);
            expect(bearer(path, "{\"zz\":" + json(NUL) + "}", "application/json"), "NUL in unknown field", 400, "zz");
            for (String broken : List.of(
                    "{",
                    "{\"a\":",
                    "[1,2",
                    "{\"a\":1}}",
                    "nul",
                    "{'a':1}",
                    "{\"a\":NaN}",
                    "{\"a\":Infinity}",
                    "{\"a\":\"\\ud800\"}",
                    "\u0000")) {
                expect(bearer(path, broken, "application/json"), "broken JSON " + abbreviate(broken), 400, null);
            }
            for (String odd : List.of(
                    "",
                    " ",
                    "null",
                    "[]",
                    "\"text\"",
                    "1",
                    "true",
                    "[".repeat(5_000) + "]".repeat(5_000),
                    "{\"a\":" + "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_001))) {
                expect(bearer(path, odd, "application/json"), "odd body " + abbreviate(odd), null, null);
            }
        }

        void writes() {
            String path = path(concrete(), null);
            String body = sample();
            for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", null}) {
                expect(bearer(path, body, type), "bearer, Content-Type " + type, null, null);
                expect(bearer(path, "a=1&b=%00", type), "bearer, form body as " + type, null, null);
                expect(withCookie(path, body, type, s.origin()), "cookie, Content-Type " + type, 415, "Content-Type");
            }
            expect(
                    withCookie(path, body, "application/json", "http://localhost:1"),
                    "cookie from another origin",
                    403,
                    "Origin");
            expect(withCookie(path, body, "application/json", null), "cookie without origin", 403, "Origin");
            var ok = withCookie(path, body, "application/json", s.origin());
            expect(ok, "cookie, same origin, JSON", null, null);
            if (ok.status() == 403 || ok.status() == 415)
                failures.add("dashboard-style write refused: " + ok.status() + " " + ok.body());
            if (key.equals("POST /auth/logout")) cookie = s.login("battery-admin", "battery-password");
            if (e.body() != null) {
                String nulBody = body == null ? null : nulInFirstString(body);
                if (nulBody != null)
                    expect(withCookie(path, nulBody, "application/json", s.origin()), "cookie, NUL in body", 400, null);
            }
        }

        String nulInFirstString(String body) {
            try {
                JsonNode tree = ApiJson.MAPPER.readTree(body);
                List<String> fields = new ArrayList<>();
                collect(tree, "", fields);
                return fields.isEmpty() ? null : mutate(tree, fields.get(0), json(NUL));
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
        }
    }

    /** Every value's path in the form the API names fields: {@code params.n}, {@code rows[0].age}. */
    static void collect(JsonNode node, String prefix, List<String> out) {
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(n -> {
                String p = prefix.isEmpty() ? n : prefix + "." + n;
                out.add(p);
                collect(node.get(n), p, out);
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String p = prefix + "[" + i + "]";
                out.add(p);
                collect(node.get(i), p, out);
            }
        }
    }

    private static final String MARK = "\"__battery_raw__\"";

    /** The sample with the value at {@code path} replaced by the raw JSON text {@code raw}. */
    static String mutate(JsonNode tree, String path, String raw) {
        JsonNode copy = tree.deepCopy();
        set(copy, path, TextNode.valueOf(MARK.substring(1, MARK.length() - 1)));
        return copy.toString().replace(MARK, raw);
    }

    /** The sample with the key at {@code path} written twice. */
    static String duplicate(JsonNode tree, String path) {
        int dot = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        String parent = dot < 0 ? "" : path.substring(0, dot);
        String last = dot < 0 ? path : path.substring(dot + 1);
        JsonNode copy = tree.deepCopy();
        JsonNode container = parent.isEmpty() ? copy : find(copy, parent);
        String value = container.get(last).toString();
        ((ObjectNode) container).put(last, "__battery_dup__");
        return copy.toString()
                .replace(
                        "\"" + last + "\":\"__battery_dup__\"",
                        "\"" + last + "\":" + value + ",\"" + last + "\":" + value);
    }

    private static JsonNode find(JsonNode root, String path) {
        JsonNode n = root;
        for (String part : path.replace("[", ".[").split("\\.")) {
            if (part.isEmpty()) continue;
            n = part.startsWith("[") ? n.get(Integer.parseInt(part.substring(1, part.length() - 1))) : n.get(part);
        }
        return n;
    }

    private static void set(JsonNode root, String path, JsonNode value) {
        int dot = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        String parent = dot < 0 ? "" : path.substring(0, dot);
        ContainerNode<?> container = (ContainerNode<?>) (parent.isEmpty() ? root : find(root, parent));
        String last = dot < 0 ? path : path.substring(dot + (path.charAt(dot) == '.' ? 1 : 0));
        if (last.startsWith("["))
            ((ArrayNode) container).set(Integer.parseInt(last.substring(1, last.length() - 1)), value);
        else ((ObjectNode) container).set(last, value);
    }

    static String json(String text) {
        try {
            return ApiJson.MAPPER.writeValueAsString(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String enc(String v) {
        return URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String abbreviate(String s) {
        if (s == null) return "null";
        String t = s.replace("\u0000", "\\0");
        return t.length() > 120 ? t.substring(0, 120) + "…(" + t.length() + ")" : t;
    }
}
