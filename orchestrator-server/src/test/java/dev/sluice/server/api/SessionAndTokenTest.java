package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.auth.Role;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Logging in with a cookie, logging out, and API tokens that are shown once and stored hashed. */
class SessionAndTokenTest {

    private static HttpResponse<String> call(ApiServer s, String method, String path, String cookie, String body)
            throws Exception {
        var b = HttpRequest.newBuilder(URI.create(s.base + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) b.header("Cookie", cookie);
        // As the dashboard sends writes: its own origin and a JSON content type (CrossSiteWriteTest has the rest).
        if (!method.equals("GET"))
            b.header("Origin", "http://localhost:" + s.app.httpPort()).header("Content-Type", "application/json");
        return s.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void login_sets_a_strict_http_only_cookie_that_works_until_logout() throws Exception {
        ApiServer s = ApiServer.shared();
        assertThat(call(s, "POST", "/auth/login", null, "{\"username\":\"olga\",\"password\":\"wrong-password\"}")
                        .statusCode())
                .isEqualTo(401);
        assertThat(call(s, "POST", "/auth/login", null, "{\"username\":\"nobody\",\"password\":\"wrong-password\"}")
                        .statusCode())
                .isEqualTo(401);
        var login = call(s, "POST", "/auth/login", null, "{\"username\":\"olga\",\"password\":\"operator-password\"}");
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.body()).contains("\"role\":\"operator\"");
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).contains("HttpOnly").containsIgnoringCase("SameSite=Strict");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        assertThat(call(s, "GET", "/auth/me", cookie, null).body()).contains("\"username\":\"olga\"");
        var run = call(s, "POST", "/dags/ok_dag/runs", cookie, "{\"logical_date\":\"2024-02-02T00:00:00Z\"}");
        assertThat(run.statusCode()).isEqualTo(201);
        assertThat(run.body()).contains("\"triggered_by\":\"olga\"");
        assertThat(call(s, "GET", "/users", cookie, null).statusCode()).isEqualTo(403);

        assertThat(call(s, "POST", "/auth/logout", cookie, null).statusCode()).isEqualTo(204);
        assertThat(call(s, "GET", "/auth/me", cookie, null).statusCode()).isEqualTo(401);
    }

    @Test
    void tokens_are_shown_once_work_and_stop_working_when_revoked() throws Exception {
        ApiServer s = ApiServer.shared();
        var created = s.post("/tokens", Role.ADMIN, "{\"name\":\"ci\",\"role\":\"operator\"}");
        assertThat(created.status()).isEqualTo(201);
        String token = created.json().path("token").asText();
        long id = created.json().path("id").asLong();
        assertThat(token).startsWith("slu_");
        assertThat(s.get("/tokens", Role.ADMIN).body()).doesNotContain(token).contains("\"name\":\"ci\"");
        // Stored as a hash, never as the token.
        assertThat(s.app.db.dsl().fetch("select token_hash from api_token").toString())
                .doesNotContain(token);

        var req = HttpRequest.newBuilder(URI.create(s.base + "/auth/me"))
                .header("Authorization", "Bearer " + token)
                .build();
        assertThat(s.http.send(req, HttpResponse.BodyHandlers.ofString()).body())
                .contains("token:ci");
        assertThat(s.send("DELETE", "/tokens/" + id, Role.ADMIN, null).status()).isEqualTo(204);
        assertThat(s.http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(401);

        var audit = s.get("/audit?limit=500", Role.ADMIN).json().path("items");
        assertThat(audit.findValuesAsText("action")).contains("token.create", "token.delete");
        assertThat(audit.toString()).doesNotContain(token);
    }

    @Test
    void users_can_be_created_changed_and_deleted_by_an_admin() throws Exception {
        ApiServer s = ApiServer.shared();
        assertThat(s.post(
                                "/users",
                                Role.ADMIN,
                                "{\"username\":\"vera\",\"password\":\"viewer-password\",\"role\":\"viewer\"}")
                        .status())
                .isEqualTo(201);
        var changed = s.send("PATCH", "/users/vera", Role.ADMIN, "{\"role\":\"operator\"}");
        assertThat(changed.json().path("role").asText()).isEqualTo("operator");
        assertThat(s.get("/users", Role.ADMIN).json().path("items").findValuesAsText("username"))
                .contains("vera", "admin");
        assertThat(s.send("DELETE", "/users/vera", Role.ADMIN, null).status()).isEqualTo(204);
        assertThat(s.send("DELETE", "/users/vera", Role.ADMIN, null).status()).isEqualTo(404);
    }
}
