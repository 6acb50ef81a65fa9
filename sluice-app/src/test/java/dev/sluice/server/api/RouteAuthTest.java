package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.auth.Role;
import dev.sluice.server.http.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every route, generated from the route table (a new route cannot be forgotten), called as anonymous, viewer,
 * operator and admin: 401 without credentials except for open routes, 403 below the route's role, never 401/403
 * at or above it. Every refusal is a JSON error.
 */
class RouteAuthTest {

    static String concrete(String path) {
        return path.replace("{dag_id}", "ok_dag")
                .replace("{run_id}", "no_such_run")
                .replace("{task_id}", "first")
                .replace("{username}", "nobody")
                .replace("{id}", "999999")
                .replace("{name}", "no_such_model")
                .replace("{alias}", "champion")
                .replace("{asset}", "999999");
    }

    @TestFactory
    Stream<DynamicTest> every_route_enforces_its_role() throws Exception {
        ApiServer server = ApiServer.shared();
        List<Endpoint> endpoints = server.app.http().endpoints();
        assertThat(endpoints).hasSizeGreaterThan(30);
        // Contributed routes (ml-registry's ApiExtension) are in the same table, so this test covers them too.
        assertThat(endpoints)
                .extracting(e -> e.method() + " " + e.path())
                .contains("POST /models/{name}/aliases/{alias}", "GET /models/{name}/drift", "GET /experiments");
        List<DynamicTest> tests = new ArrayList<>();
        for (Endpoint e : endpoints) {
            for (Role caller : new Role[] {null, Role.VIEWER, Role.OPERATOR, Role.ADMIN}) {
                String name = e.method() + " " + e.path() + " as " + (caller == null ? "anonymous" : caller.apiName());
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    var a = server.send(e.method(), concrete(e.path()), caller, e.body() == null ? null : "{}");
                    if (e.role() == null) {
                        assertThat(a.status()).as(name + ": " + a.body()).isNotIn(401, 403);
                    } else if (caller == null) {
                        assertThat(a.status()).as(name).isEqualTo(401);
                    } else if (!caller.includes(e.role())) {
                        assertThat(a.status()).as(name).isEqualTo(403);
                    } else {
                        assertThat(a.status())
                                .as(name + ": " + a.body())
                                .isNotIn(401, 403)
                                .isLessThan(500);
                    }
                    if (a.status() >= 400) {
                        assertThat(a.json().path("error").asText()).as(name).isNotBlank();
                        assertThat(a.json().has("field")).isTrue();
                        assertThat(a.json().has("retryable")).isTrue();
                    }
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> state_changes_need_operator_or_more() throws Exception {
        ApiServer server = ApiServer.shared();
        return server.app.http().endpoints().stream()
                .filter(e -> e.changesState() && !e.path().startsWith("/auth/"))
                .map(e -> DynamicTest.dynamicTest(
                        e.method() + " " + e.path(), () -> assertThat(e.role()).isIn(Role.OPERATOR, Role.ADMIN)));
    }

    @org.junit.jupiter.api.Test
    void a_bad_bearer_token_is_401_not_anonymous() throws Exception {
        ApiServer server = ApiServer.shared();
        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.base + "/health"))
                .header("Authorization", "Bearer slu_wrong")
                .build();
        // Open routes do not look at credentials at all...
        assertThat(server.http
                        .send(req, java.net.http.HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
        var dags = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.base + "/dags"))
                .header("Authorization", "Bearer slu_wrong")
                .build();
        var r = server.http.send(dags, java.net.http.HttpResponse.BodyHandlers.ofString());
        // ...protected ones refuse a wrong token outright.
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("invalid API token");
    }
}
