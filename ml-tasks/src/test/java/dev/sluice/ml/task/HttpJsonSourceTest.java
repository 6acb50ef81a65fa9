package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.task.TaskFailedException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** source: http against a real HTTP server on the loopback interface, one handler per test. */
class HttpJsonSourceTest {
    private static final String TOKEN = "Bearer s3cr3t-token";

    @TempDir
    Path home;

    private final IngestTask ingest = new IngestTask();
    private HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    record Request(String path, Map<String, String> query, String authorization) {}

    record Reply(int status, String body, Map<String, String> headers) {
        static Reply json(String body) {
            return new Reply(200, body, Map.of());
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String serve(String path, Function<Request, Reply> handler) {
        server.createContext(path, ex -> respond(ex, handler));
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void respond(HttpExchange ex, Function<Request, Reply> handler) throws IOException {
        Map<String, String> query = new LinkedHashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String p : raw.split("&")) {
                String[] kv = p.split("=", 2);
                query.put(
                        URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        Request req = new Request(
                ex.getRequestURI().getPath(), query, ex.getRequestHeaders().getFirst("Authorization"));
        requests.add(req);
        Reply reply = handler.apply(req);
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) ex.getResponseBody().write(body);
        ex.close();
    }

    /** Records {"id": n, "name": "item-n"} for ids from..to inclusive, as a JSON array. */
    private static String items(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i <= to; i++) out.add("{\"id\": " + i + ", \"name\": \"item-" + i + "\"}");
        return "[" + String.join(", ", out) + "]";
    }

    private TestTaskContext.Builder http(String url) {
        return TestTaskContext.task("ingest")
                .home(home)
                .config("source", "http")
                .config("url", url)
                .config("headers", Map.of("Authorization", TOKEN))
                .config("request_retry_wait", "10ms");
    }

    private List<Map<String, Object>> rows(Map<String, Object> out, String orderBy) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(home, "256MB", 1)) {
            String rel = "(SELECT * FROM "
                    + DuckDb.parquet(LocalArtifactStore.inHome(home).localPath((String) out.get("dataset")))
                    + " ORDER BY " + orderBy + ")";
            Rows.forEach(db, rel, rows::add);
        }
        return rows;
    }

    @Test
    void page_paging_sends_page_number_size_and_headers_until_an_empty_page() throws Exception {
        String url = serve("/items", r -> {
            int page = Integer.parseInt(r.query().get("page"));
            String data = switch (page) {
                case 1 -> items(1, 2);
                case 2 -> items(3, 4);
                case 3 -> items(5, 5);
                default -> "[]";
            };
            return Reply.json("{\"data\": " + data + ", \"total\": 5}");
        });
        TestTaskContext ctx = http(url + "?status=active")
                .config("records", "data")
                .config("paging", Map.of("mode", "page", "size_param", "per_page", "size", 2))
                .build();

        Map<String, Object> out = ingest.execute(ctx).output();

        assertThat(out).containsEntry("rows", 5L).containsEntry("bad_rows", 0L).containsEntry("pages", 4);
        assertThat(rows(out, "id"))
                .extracting(r -> r.get("name"))
                .containsExactly("item-1", "item-2", "item-3", "item-4", "item-5");
        assertThat(requests).extracting(r -> r.query().get("page")).containsExactly("1", "2", "3", "4");
        assertThat(requests).allSatisfy(r -> {
            assertThat(r.query()).containsEntry("per_page", "2").containsEntry("status", "active");
            assertThat(r.authorization()).isEqualTo(TOKEN);
        });
        assertThat(ctx.logText()).contains("page 4: 0 records").doesNotContain("s3cr3t");
    }

    @Test
    void offset_paging_advances_by_the_records_received_when_the_api_caps_the_limit() throws Exception {
        String url = serve("/rows", r -> {
            int offset = Integer.parseInt(r.query().get("skip"));
            int limit = Math.min(Integer.parseInt(r.query().get("take")), 2); // the API allows 2 at most
            return Reply.json(offset >= 5 ? "[]" : items(offset + 1, Math.min(offset + limit, 5)));
        });
        TestTaskContext ctx = http(url)
                .config("paging", Map.of("mode", "offset", "offset_param", "skip", "limit_param", "take", "limit", 3))
                .build();

        Map<String, Object> out = ingest.execute(ctx).output();

        assertThat(out).containsEntry("rows", 5L);
        assertThat(rows(out, "id")).extracting(r -> r.get("id")).containsExactly(1.0, 2.0, 3.0, 4.0, 5.0);
        assertThat(requests).extracting(r -> r.query().get("skip")).containsExactly("0", "2", "4", "5");
        assertThat(requests).extracting(r -> r.query().get("take")).containsOnly("3");
    }

    @Test
    void cursor_paging_sends_the_cursor_from_the_response_until_there_is_none() throws Exception {
        Map<String, String> next = Map.of("", "c2", "c2", "c3");
        String url = serve("/events", r -> {
            String cursor = r.query().getOrDefault("after", "");
            String data = switch (cursor) {
                case "" -> items(1, 2);
                case "c2" -> items(3, 3);
                default -> items(4, 6);
            };
            String nextCursor = next.containsKey(cursor) ? "\"" + next.get(cursor) + "\"" : "null";
            return Reply.json("{\"results\": " + data + ", \"meta\": {\"next_cursor\": " + nextCursor + "}}");
        });
        TestTaskContext ctx = http(url)
                .config("records", "/results")
                .config("paging", Map.of("mode", "cursor", "cursor_field", "meta.next_cursor", "cursor_param", "after"))
                .build();

        Map<String, Object> out = ingest.execute(ctx).output();

        assertThat(out).containsEntry("rows", 6L).containsEntry("pages", 3);
        assertThat(requests).extracting(r -> r.query().get("after")).containsExactly(null, "c2", "c3");
    }

    @Test
    void link_paging_follows_the_rfc_link_header_or_a_next_field() throws Exception {
        String url = serve("/linked", r -> {
            int p = Integer.parseInt(r.query().getOrDefault("p", "1"));
            Map<String, String> headers = p < 3
                    ? Map.of("Link", "</linked?p=" + (p + 1) + ">; rel=\"next\", </linked?p=3>; rel=\"last\"")
                    : Map.of();
            return new Reply(200, items(p * 10, p * 10 + 1), headers);
        });
        Map<String, Object> out =
                ingest.execute(http(url).config("paging", "link").build()).output();
        assertThat(out).containsEntry("rows", 6L).containsEntry("pages", 3);
        assertThat(requests).extracting(r -> r.query().get("p")).containsExactly(null, "2", "3");

        requests.clear();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        String url2 = serve("/bodylinked", r -> {
            int p = Integer.parseInt(r.query().getOrDefault("p", "1"));
            String nextUrl = p < 2 ? "\"" + base + "/bodylinked?p=" + (p + 1) + "\"" : "null";
            return Reply.json("{\"items\": " + items(p, p) + ", \"links\": {\"next\": " + nextUrl + "}}");
        });
        Map<String, Object> out2 = ingest.execute(http(url2)
                        .config("records", "items")
                        .config("paging", Map.of("mode", "link", "next_field", "links.next"))
                        .build())
                .output();
        assertThat(out2).containsEntry("rows", 2L);
        assertThat(requests).extracting(r -> r.query().get("p")).containsExactly(null, "2");
    }

    @Test
    void declared_columns_coerce_values_and_nested_values_become_json_text() throws Exception {
        String url = serve(
                "/orders",
                r -> Reply.json(
                        "{\"result\": {\"rows\": ["
                                + "{\"id\": \"7\", \"amount\": \"12.50\", \"paid\": \"true\", \"at\": \"2026-11-26T10:00:00+02:00\", \"tags\": [\"a\", \"b\"], \"extra\": 1},"
                                + "{\"id\": 8, \"amount\": 3, \"paid\": false, \"at\": \"2026-11-26\", \"tags\": {\"k\": 1}}]}}"));
        Map<String, Object> columns = new LinkedHashMap<>();
        columns.put("id", "number");
        columns.put("amount", "number");
        columns.put("paid", "boolean");
        columns.put("at", "timestamp");
        columns.put("tags", "string");

        Map<String, Object> out = ingest.execute(http(url)
                        .config("records", "/result/rows")
                        .config("columns", columns)
                        .build())
                .output();

        assertThat(out).containsEntry("rows", 2L).containsEntry("pages", 1);
        @SuppressWarnings("unchecked")
        Map<String, Object> types = (Map<String, Object>) out.get("columns");
        assertThat(types)
                .containsExactly(
                        Map.entry("id", "number"),
                        Map.entry("amount", "number"),
                        Map.entry("paid", "boolean"),
                        Map.entry("at", "timestamp"),
                        Map.entry("tags", "string"));
        List<Map<String, Object>> rows = rows(out, "id");
        assertThat(rows.get(0))
                .containsEntry("id", 7.0)
                .containsEntry("amount", 12.5)
                .containsEntry("paid", true)
                .containsEntry("at", LocalDateTime.parse("2026-11-26T08:00:00"))
                .containsEntry("tags", "[\"a\",\"b\"]");
        assertThat(rows.get(1))
                .containsEntry("amount", 3.0)
                .containsEntry("paid", false)
                .containsEntry("at", LocalDateTime.parse("2026-11-26T00:00:00"))
                .containsEntry("tags", "{\"k\":1}");
    }

    @Test
    void inferred_types_turn_mixed_fields_into_text_and_feed_incremental_and_sql() throws Exception {
        String url = serve(
                "/mixed",
                r -> Reply.json("["
                        + "{\"id\": 1, \"code\": 10, \"at\": \"2026-11-25 23:00:00\", \"always_null\": null},"
                        + "{\"id\": 2, \"code\": \"B7\", \"at\": \"2026-11-26 01:00:00\", \"always_null\": null},"
                        + "{\"id\": 3, \"code\": 30, \"at\": \"2026-11-26 05:00:00\", \"always_null\": null}]"));

        Map<String, Object> out = ingest.execute(http(url)
                        .config("incremental_column", "at")
                        .config("sql", "SELECT id, code, always_null FROM input")
                        .build())
                .output();

        assertThat(out).containsEntry("rows", 2L); // the logical date's day only: 2026-11-26
        assertThat(rows(out, "id")).extracting(r -> r.get("code")).containsExactly("B7", "30");
        @SuppressWarnings("unchecked")
        Map<String, Object> types = (Map<String, Object>) out.get("columns");
        assertThat(types).containsEntry("code", "string").containsEntry("always_null", "string");
    }

    @Test
    void retries_a_500_and_a_429_then_reads_the_page() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String url = serve("/flaky", r -> switch (calls.incrementAndGet()) {
            case 1 -> new Reply(500, "{\"error\": \"boom\"}", Map.of());
            case 2 -> new Reply(429, "slow down", Map.of("Retry-After", "0"));
            default -> Reply.json(items(1, 3));
        });
        TestTaskContext ctx = http(url).build();

        Map<String, Object> out = ingest.execute(ctx).output();

        assertThat(out).containsEntry("rows", 3L);
        assertThat(calls).hasValue(3);
        assertThat(ctx.logText()).contains("status 500, retry 1 of 3").contains("status 429, retry 2 of 3");
    }

    @Test
    void a_404_fails_naming_the_status_and_url_without_its_query() {
        String url = serve("/missing", r -> new Reply(404, "{\"error\": \"no such collection\"}", Map.of()));

        assertThatThrownBy(() -> ingest.execute(http(url + "?api_key=hunter2").build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("GET " + url + " (page 1) returned status 404")
                .hasMessageContaining("no such collection")
                .hasMessageNotContaining("hunter2");
        assertThat(requests).hasSize(1); // a 404 is not retried
    }

    @Test
    void retries_run_out_on_a_server_that_keeps_failing() {
        String url = serve("/down", r -> new Reply(503, "maintenance", Map.of()));

        assertThatThrownBy(() ->
                        ingest.execute(http(url).config("request_retries", 2).build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("returned status 503 after 3 attempts; body starts: maintenance");
        assertThat(requests).hasSize(3);
    }

    @Test
    void a_server_that_cannot_be_reached_is_retried_then_named() throws Exception {
        int closed;
        try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed + "/items";

        assertThatThrownBy(() -> ingest.execute(
                        http(url + "?token=abc").config("request_retries", 1).build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageStartingWith("GET " + url + " (page 1) failed after 2 attempts: ConnectException")
                .hasMessageNotContaining("token=abc");
    }

    @Test
    void max_pages_stops_an_api_that_never_ends() {
        String url = serve("/endless", r -> Reply.json(items(1, 1)));

        assertThatThrownBy(() -> ingest.execute(http(url)
                        .config("paging", "page")
                        .config("max_pages", 3)
                        .build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("more than max_pages 3 pages");
        assertThat(requests).hasSize(3);
    }

    @Test
    void a_body_that_is_not_an_array_asks_for_records() {
        String url = serve("/wrapped", r -> Reply.json("{\"data\": [], \"count\": 0}"));

        assertThatThrownBy(() -> ingest.execute(http(url).build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("is an object, not an array: set records")
                .hasMessageContaining("its fields: data, count");
    }

    private String badRecords() {
        return serve(
                "/bad",
                r -> Reply.json(
                        "[{\"id\": 1, \"amount\": 5}, \"just a string\", {\"id\": 3, \"amount\": \"abc\"}, {\"id\": 4, \"amount\": 4.5}]"));
    }

    @Test
    void bad_records_fail_by_default_naming_page_index_and_reason() {
        String url = badRecords();

        assertThatThrownBy(() -> ingest.execute(http(url)
                        .config("columns", Map.of("id", "number", "amount", "number"))
                        .build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("bad record at page 1, index 1: not a JSON object (a string) (bad_rows: fail)");
    }

    @Test
    void bad_records_are_skipped_and_counted_or_quarantined() throws Exception {
        String url = badRecords();
        Map<String, Object> cols = Map.of("id", "number", "amount", "number");

        Map<String, Object> skipped = ingest.execute(http(url)
                        .config("columns", cols)
                        .config("bad_rows", "skip")
                        .build())
                .output();
        assertThat(skipped)
                .containsEntry("rows", 2L)
                .containsEntry("bad_rows", 2L)
                .doesNotContainKey("quarantine");

        Map<String, Object> out = ingest.execute(http(url)
                        .config("columns", cols)
                        .config("bad_rows", "quarantine")
                        .build())
                .output();
        assertThat(out).containsEntry("rows", 2L).containsEntry("bad_rows", 2L);
        assertThat(rows(out, "id")).extracting(r -> r.get("id")).containsExactly(1.0, 4.0);
        List<String> lines =
                Files.readAllLines(LocalArtifactStore.inHome(home).localPath((String) out.get("quarantine")));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("\"page\":1", "\"index\":1", "not a JSON object", "just a string");
        assertThat(lines.get(1)).contains("\"index\":2", "column amount: \\\"abc\\\" is not a number", "{\\\"id\\\":3");

        assertThatThrownBy(() -> ingest.execute(http(url)
                        .config("columns", cols)
                        .config("bad_rows", "skip")
                        .config("max_bad_rows", 1)
                        .build()))
                .hasMessageContaining("2 bad rows, more than max_bad_rows 1");
    }

    @Test
    void validation_accepts_every_source_with_all_declared_defaults_filled_in_as_the_engine_runs_it() {
        for (Map<String, Object> config : List.<Map<String, Object>>of(
                Map.of("path", "data.csv"),
                Map.of("source", "http", "url", "http://x/y"),
                Map.of("source", "kafka", "bootstrap_servers", "b:9092", "topic", "t", "window", "logical_day"))) {
            Map<String, Object> filled = new LinkedHashMap<>();
            ingest.configFields().forEach(f -> {
                if (f.defaultValue() != null) filled.put(f.name(), f.defaultValue());
            });
            filled.putAll(config);
            assertThat(ingest.validate(filled)).as(config.toString()).isEmpty();
        }
    }

    @Test
    void validate_names_the_fields() {
        assertThat(ingest.validate(Map.of("source", "http"))).containsExactly("url is required with source http");
        assertThat(ingest.validate(
                        Map.of("source", "http", "url", "ftp://x/y", "path", "a.csv", "columns", List.of("a"))))
                .containsExactly(
                        "path is not used by source http",
                        "url must be an absolute http or https URL",
                        "columns: source http takes a mapping of name to type (a list of names is for CSV without a header)");
        assertThat(ingest.validate(Map.of("source", "http", "url", "http://x/y", "paging", "pages", "max_pages", 0)))
                .containsExactly(
                        "paging must be none, page, offset, cursor or link, got \"pages\"",
                        "max_pages must be an integer of 1 or more, got \"0\"");
        assertThat(ingest.validate(Map.of(
                        "source", "http", "url", "http://x/y", "paging", Map.of("mode", "cursor", "param", "p"))))
                .containsExactly(
                        "paging.param: not an option of paging mode cursor (options: cursor_field, cursor_param)",
                        "paging.cursor_field is required with paging mode cursor: where the next cursor is in the response");
        assertThat(ingest.validate(Map.of("url", "http://x/y"))).contains("url is for source http: set source: http");
        assertThat(ingest.validate(Map.of("source", "http", "url", "{{ params.api }}/items", "bad_rows", "quarantine")))
                .isEmpty();
    }
}
