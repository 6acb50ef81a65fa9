package dev.sluice.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.server.SluiceApp;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.TokenStore;
import dev.sluice.server.auth.UserStore;
import dev.sluice.server.http.ApiJson;
import dev.sluice.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/** A real Sluice (database, engine, HTTP on a free port) with fixture DAGs and one API token per role. */
final class ApiServer implements AutoCloseable {
    static final String OK_DAG = """
            id: ok_dag
            description: two quick tasks
            schedule: "@daily"
            timezone: UTC
            tags: [test]
            params:
              n: { type: integer, default: 1, description: a number }
            tasks:
              - id: first
                type: noop
              - id: second
                type: shell
                depends_on: [first]
                config: { command: "echo hello {{ params.n }}" }
            """;
    static final String FAIL_DAG = """
            id: fail_dag
            tasks:
              - id: boom
                type: shell
                config: { command: "echo going down; exit 3" }
              - id: after
                type: noop
                depends_on: [boom]
            """;
    static final String SLOW_DAG = """
            id: slow_dag
            tasks:
              - id: wait
                type: noop
                config: { duration: 60s }
            """;
    /** The malformed-input battery's own DAG: its runs and marks do not disturb the other tests' DAGs. */
    static final String BATTERY_DAG = """
            id: battery_dag
            description: target of the malformed-input battery
            params:
              n: { type: integer, default: 1 }
              s: { type: string, default: "x" }
            tasks:
              - id: only
                type: noop
            """;

    private static ApiServer shared;

    /**
     * One server for the whole test JVM: tests use their own DAG ids or date ranges, so they do not collide. It is
     * not closed at exit: shutdown hooks run concurrently, and closing the engine while the embedded database's
     * own hook stops PostgreSQL would wait out connection timeouts.
     */
    static synchronized ApiServer shared() throws Exception {
        if (shared == null) shared = new ApiServer();
        return shared;
    }

    final SluiceApp app;
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String base;
    final Map<Role, String> tokens;

    ApiServer() throws Exception {
        Path home = Files.createTempDirectory("sluice-api-test");
        Path dags = Files.createDirectories(home.resolve("dags"));
        Files.writeString(dags.resolve("ok_dag.yaml"), OK_DAG);
        Files.writeString(dags.resolve("fail_dag.yaml"), FAIL_DAG);
        Files.writeString(dags.resolve("slow_dag.yaml"), SLOW_DAG);
        Files.writeString(dags.resolve("broken.yaml"), "id: broken\ntasks: 3\n");
        Files.writeString(dags.resolve("battery_dag.yaml"), BATTERY_DAG);
        var config = SluiceConfig.from(Map.of(
                "SLUICE_HOME",
                home.toString(),
                // every prediction logged, so drift reports have rows to read
                "SLUICE_PREDICTION_LOG_RATE",
                "1"));
        var engine = EngineConfig.defaults(home)
                .withHeartbeat(Duration.ofMillis(200))
                .withPollInterval(Duration.ofMillis(200));
        app = new SluiceApp(config, TestDatabase.fresh(24), dags, engine, Clock.systemUTC())
                .start()
                .startHttp(0);
        base = "http://localhost:" + app.httpPort() + "/api/v1";
        TokenStore store = new TokenStore(app.db.dsl());
        tokens = Map.of(
                Role.VIEWER,
                store.create("viewer", Role.VIEWER, "admin").token(),
                Role.OPERATOR,
                store.create("operator", Role.OPERATOR, "admin").token(),
                Role.ADMIN,
                store.create("admin", Role.ADMIN, "admin").token());
        new UserStore(app.db.dsl()).create("olga", "operator-password", Role.OPERATOR);
    }

    record Answer(int status, String body, java.net.http.HttpHeaders headers) {
        JsonNode json() {
            try {
                return ApiJson.MAPPER.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    Answer send(String method, String path, Role role, String body) {
        var b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (role != null) b.header("Authorization", "Bearer " + tokens.get(role));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers());
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        }
    }

    /**
     * A request with exactly the given headers (no bearer token unless given): for cookie sessions, origins and
     * content types. {@code body} null sends none.
     */
    Answer raw(String method, String path, Map<String, String> headers, String body) {
        var b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers());
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        }
    }

    /** A GET outside the API (dashboard files, redirects), without following redirects. */
    Answer page(String path) {
        try {
            var r = http.send(
                    HttpRequest.newBuilder(URI.create(origin() + path)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers());
        } catch (Exception e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        }
    }

    /** This server's origin as a browser on its pages sends it. */
    String origin() {
        return "http://localhost:" + app.httpPort();
    }

    /** Logs in as a browser on the dashboard would; returns the "sluice_session=..." cookie. */
    String login(String username, String password) {
        var a = raw(
                "POST",
                "/auth/login",
                Map.of("Content-Type", "application/json", "Origin", origin()),
                "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}");
        if (a.status() != 200) throw new AssertionError("login as " + username + ": " + a.status() + " " + a.body());
        String setCookie = a.headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    /** A write as the dashboard sends it: session cookie, own Origin, JSON content type. */
    Answer sendWithCookie(String method, String path, String cookie, String body) {
        return raw(
                method, path, Map.of("Cookie", cookie, "Origin", origin(), "Content-Type", "application/json"), body);
    }

    Answer get(String path, Role role) {
        return send("GET", path, role, null);
    }

    Answer post(String path, Role role, String body) {
        return send("POST", path, role, body);
    }

    /** Waits until the run is finished and returns its state. */
    String awaitRun(String dagId, String runId) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            String state = get("/dags/" + dagId + "/runs/" + runId, Role.VIEWER)
                    .json()
                    .path("state")
                    .asText();
            if (state.equals("success") || state.equals("failed") || state.equals("cancelled")) return state;
            Thread.sleep(50);
        }
        throw new AssertionError("run " + runId + " did not finish");
    }

    @Override
    public void close() {
        app.close();
    }

    /** A JSON error answer with {@code status} and, when not null, naming {@code field}. */
    static void assertError(Answer a, int status, String field, String what) {
        org.assertj.core.api.Assertions.assertThat(a.status())
                .as(what + ": " + a.body())
                .isEqualTo(status);
        org.assertj.core.api.Assertions.assertThat(
                        a.headers().firstValue("Content-Type").orElse(""))
                .as(what)
                .startsWith("application/json");
        org.assertj.core.api.Assertions.assertThat(a.json().path("error").asText())
                .as(what)
                .isNotBlank();
        if (field != null)
            org.assertj.core.api.Assertions.assertThat(a.json().path("field").asText())
                    .as(what + ": " + a.body())
                    .isEqualTo(field);
    }
}
