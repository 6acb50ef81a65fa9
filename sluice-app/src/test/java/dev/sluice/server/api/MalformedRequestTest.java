package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.auth.Role;
import dev.sluice.server.http.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Bad input of every kind gets a 4xx JSON answer with a message and, where there is one, the field. */
class MalformedRequestTest {
    /** A valid body per endpoint that takes one: a new endpoint with a body must add its sample here. */
    static final Map<String, String> VALID = Map.ofEntries(
            Map.entry("POST /auth/login", "{\"username\":\"nobody\",\"password\":\"wrong-password\"}"),
            Map.entry("PATCH /dags/{dag_id}", "{\"is_paused\":false}"),
            Map.entry("POST /dags/{dag_id}/runs", "{}"),
            Map.entry("POST /dags/{dag_id}/runs/{run_id}/mark", "{\"state\":\"success\"}"),
            Map.entry("POST /dags/{dag_id}/runs/{run_id}/tasks/{task_id}/clear", "{}"),
            Map.entry("POST /dags/{dag_id}/runs/{run_id}/tasks/{task_id}/mark", "{\"state\":\"success\"}"),
            Map.entry("POST /dags/{dag_id}/backfills", "{\"from\":\"2025-01-01\",\"to\":\"2025-01-01\"}"),
            Map.entry("POST /users", "{\"username\":\"u\",\"password\":\"password-1\",\"role\":\"viewer\"}"),
            Map.entry("PATCH /users/{username}", "{\"role\":\"viewer\"}"),
            Map.entry("POST /tokens", "{\"name\":\"t\",\"role\":\"viewer\"}"),
            Map.entry("POST /models/{name}/aliases/{alias}", "{\"version\":1}"),
            Map.entry("POST /models/{name}/predict", "{\"rows\":[{\"age\":39}]}"),
            Map.entry("POST /assets/events", "{\"uri\":\"s3://battery/orders\",\"extra\":{\"rows\":1}}"));

    static String key(Endpoint e) {
        return e.method() + " " + e.path();
    }

    static void assertError(ApiServer.Answer a, int status, String field, String what) {
        ApiServer.assertError(a, status, field, what);
    }

    @TestFactory
    Stream<DynamicTest> every_body_rejects_bad_json_wrong_shape_unknown_fields_and_oversize() throws Exception {
        ApiServer server = ApiServer.shared();
        String huge = "{\"params\":{\"x\":\"" + "a".repeat(1 << 21) + "\"}}";
        List<DynamicTest> tests = new ArrayList<>();
        for (Endpoint e : server.app.http().endpoints()) {
            if (e.body() == null) continue;
            String path = RouteAuthTest.concrete(e.path());
            tests.add(DynamicTest.dynamicTest(key(e), () -> {
                assertThat(VALID).as("add a valid sample body for " + key(e)).containsKey(key(e));
                assertError(server.send(e.method(), path, Role.ADMIN, "{\"broken"), 400, null, "bad JSON");
                assertError(server.send(e.method(), path, Role.ADMIN, "[1,2]"), 400, null, "array body");
                assertError(server.send(e.method(), path, Role.ADMIN, "{\"zzz\": 1}"), 400, "zzz", "unknown field");
                assertError(server.send(e.method(), path, Role.ADMIN, huge), 413, null, "oversized");
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> every_dag_route_answers_404_for_an_unknown_dag() throws Exception {
        ApiServer server = ApiServer.shared();
        return server.app.http().endpoints().stream()
                .filter(e -> e.path().contains("{dag_id}"))
                .map(e -> DynamicTest.dynamicTest(key(e), () -> {
                    String path = RouteAuthTest.concrete(e.path()).replace("ok_dag", "no_such_dag");
                    assertError(server.send(e.method(), path, Role.ADMIN, VALID.get(key(e))), 404, null, key(e));
                }));
    }

    @TestFactory
    Stream<DynamicTest> every_run_route_answers_404_for_an_unknown_run() throws Exception {
        ApiServer server = ApiServer.shared();
        return server.app.http().endpoints().stream()
                .filter(e -> e.path().contains("{run_id}"))
                .map(e -> DynamicTest.dynamicTest(
                        key(e),
                        () -> assertError(
                                server.send(
                                        e.method(), RouteAuthTest.concrete(e.path()), Role.ADMIN, VALID.get(key(e))),
                                404,
                                null,
                                key(e))));
    }

    @TestFactory
    Stream<DynamicTest> every_model_route_answers_404_for_an_unknown_model() throws Exception {
        ApiServer server = ApiServer.shared();
        return server.app.http().endpoints().stream()
                .filter(e -> e.path().contains("{name}"))
                .map(e -> DynamicTest.dynamicTest(
                        key(e),
                        () -> assertError(
                                server.send(
                                        e.method(), RouteAuthTest.concrete(e.path()), Role.ADMIN, VALID.get(key(e))),
                                404,
                                null,
                                key(e))));
    }

    @Test
    void wrong_types_name_the_field() throws Exception {
        ApiServer s = ApiServer.shared();
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\":{\"n\":\"seven\"}}"),
                400,
                "params.n",
                "param type");
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\":{\"nope\":1}}"),
                400,
                "params.nope",
                "undeclared param");
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"logical_date\":\"yesterday\"}"),
                400,
                "logical_date",
                "date");
        assertError(s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\":[1]}"), 400, "params", "params array");
        assertError(
                s.send("PATCH", "/dags/ok_dag", Role.OPERATOR, "{\"is_paused\":\"yes\"}"), 400, "is_paused", "boolean");
        assertError(s.send("PATCH", "/dags/ok_dag", Role.OPERATOR, "{}"), 400, "is_paused", "missing");
        assertError(
                s.post("/dags/ok_dag/backfills", Role.OPERATOR, "{\"from\":\"soon\",\"to\":\"2025-01-01\"}"),
                400,
                "from",
                "date");
        assertError(
                s.post("/dags/ok_dag/backfills", Role.OPERATOR, "{\"from\":\"2025-01-01\"}"), 400, "to", "missing to");
        assertError(
                s.post(
                        "/dags/ok_dag/backfills",
                        Role.OPERATOR,
                        "{\"from\":\"2025-01-01\",\"to\":\"2025-01-02\",\"max_active_runs\":1.5}"),
                400,
                "max_active_runs",
                "integer");
        assertError(s.post("/dags/ok_dag/runs/x/mark", Role.OPERATOR, "{\"state\":\"done\"}"), 400, "state", "state");
        assertError(
                s.post("/users", Role.ADMIN, "{\"username\":\"v\",\"password\":\"short\",\"role\":\"viewer\"}"),
                400,
                "password",
                "password");
        assertError(
                s.post("/users", Role.ADMIN, "{\"username\":\"v\",\"password\":\"long-enough\",\"role\":\"boss\"}"),
                400,
                "role",
                "role");
        assertError(s.get("/runs?limit=0", Role.VIEWER), 400, "limit", "limit");
        assertError(s.get("/runs?limit=abc", Role.VIEWER), 400, "limit", "limit");
        assertError(s.get("/runs?cursor=!!!", Role.VIEWER), 400, "cursor", "cursor");
        assertError(s.get("/runs?cursor=bm9wZQ", Role.VIEWER), 400, "cursor", "cursor");
        assertError(s.get("/runs?state=sleeping", Role.VIEWER), 400, "state", "state");
        assertError(s.get("/runs?from=tuesday", Role.VIEWER), 400, "from", "from");
        assertError(s.get("/dags/ok_dag/source?version=x", Role.VIEWER), 400, "version", "version");
        assertError(s.send("DELETE", "/tokens/abc", Role.ADMIN, null), 400, "id", "token id");
        assertError(s.get("/no/such/thing", Role.VIEWER), 404, null, "unknown route");
    }

    @Test
    void a_second_run_at_the_same_logical_date_conflicts() throws Exception {
        ApiServer s = ApiServer.shared();
        String body = "{\"logical_date\":\"2024-01-01T00:00:00Z\"}";
        assertThat(s.post("/dags/ok_dag/runs", Role.OPERATOR, body).status()).isEqualTo(201);
        assertError(s.post("/dags/ok_dag/runs", Role.OPERATOR, body), 409, "logical_date", "duplicate");
    }

    @Test
    void a_duplicate_user_conflicts() throws Exception {
        ApiServer s = ApiServer.shared();
        String body = "{\"username\":\"dup\",\"password\":\"password-1\",\"role\":\"viewer\"}";
        assertThat(s.post("/users", Role.ADMIN, body).status()).isEqualTo(201);
        assertError(s.post("/users", Role.ADMIN, body), 409, "username", "duplicate user");
    }
}
