package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.auth.Role;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cross-site request forgery: a page of another origin on the same site (another port of the same host) must not
 * write with an operator's session cookie, whatever content type it sends; the dashboard's own writes and
 * bearer-token calls go through.
 */
class CrossSiteWriteTest {
    private static ApiServer s;
    private static String cookie;

    @BeforeAll
    static void login() throws Exception {
        s = ApiServer.shared();
        cookie = s.login("olga", "operator-password");
    }

    private static ApiServer.Answer write(String path, String body, String... headers) {
        Map<String, String> h = new HashMap<>();
        h.put("Cookie", cookie);
        for (int i = 0; i < headers.length; i += 2) h.put(headers[i], headers[i + 1]);
        return s.raw("POST", path, h, body);
    }

    private static int runsOf(String triggeredBy, String logicalDate) {
        return s.app.db
                .dsl()
                .fetchCount(s.app.db
                        .dsl()
                        .selectFrom(dev.sluice.db.jooq.Tables.DAG_RUN)
                        .where(dev.sluice.db.jooq.Tables.DAG_RUN.TRIGGERED_BY.eq(triggeredBy))
                        .and(dev.sluice.db.jooq.Tables.DAG_RUN.LOGICAL_DATE.eq(
                                java.time.OffsetDateTime.parse(logicalDate))));
    }

    @Test
    void a_page_on_another_port_of_the_same_host_cannot_trigger_a_run_with_the_cookie() {
        String body = "{\"logical_date\":\"2023-03-03T00:00:00Z\"}";
        String evil = "http://localhost:" + (s.app.httpPort() + 1);
        for (String type : new String[] {
            "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json"
        }) {
            var a = write("/dags/ok_dag/runs", body, "Origin", evil, "Content-Type", type);
            ApiServer.assertError(a, 403, "Origin", "cross-origin " + type);
        }
        // Without any content type, as a bodiless fetch would send it.
        ApiServer.assertError(write("/dags/ok_dag/runs", body, "Origin", evil), 403, "Origin", "cross-origin, no type");
        // A sandboxed frame or a privacy setting sends "null": not this server either.
        ApiServer.assertError(
                write("/dags/ok_dag/runs", body, "Origin", "null", "Content-Type", "application/json"),
                403,
                "Origin",
                "null origin");
        // Only the Referer: judged the same way.
        ApiServer.assertError(
                write("/dags/ok_dag/runs", body, "Referer", evil + "/attack.html", "Content-Type", "text/plain"),
                403,
                "Referer",
                "cross-origin referer");
        assertThat(runsOf("olga", "2023-03-03T00:00Z")).as("no run was created").isZero();
    }

    @Test
    void a_cookie_write_without_origin_or_referer_is_refused() {
        ApiServer.assertError(
                write("/dags/ok_dag/runs", "{}", "Content-Type", "application/json"), 403, "Origin", "no origin");
    }

    @Test
    void a_same_origin_cookie_write_needs_a_json_content_type() {
        String body = "{\"logical_date\":\"2023-04-04T00:00:00Z\"}";
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded"}) {
            ApiServer.assertError(
                    write("/dags/ok_dag/runs", body, "Origin", s.origin(), "Content-Type", type),
                    415,
                    "Content-Type",
                    "same origin, " + type);
        }
        ApiServer.assertError(
                write("/dags/ok_dag/runs", body, "Origin", s.origin()), 415, "Content-Type", "same origin, no type");
        assertThat(runsOf("olga", "2023-04-04T00:00Z")).isZero();

        var ok = write(
                "/dags/ok_dag/runs", body, "Origin", s.origin(), "Content-Type", "application/json; charset=utf-8");
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        assertThat(ok.json().path("triggered_by").asText()).isEqualTo("olga");
        // The dashboard's pages send their Referer too; without Origin it is enough.
        var byReferer = write(
                "/dags/ok_dag/runs",
                "{\"logical_date\":\"2023-04-05T00:00:00Z\"}",
                "Referer",
                s.origin() + "/ui/#/dags/ok_dag",
                "Content-Type",
                "application/json");
        assertThat(byReferer.status()).as(byReferer.body()).isEqualTo(201);
    }

    @Test
    void bodiless_writes_from_the_dashboard_pass_with_a_json_content_type() {
        // cancel of an unknown run: past the cross-site check, the route itself answers 404.
        var cancel = write(
                "/dags/ok_dag/runs/no_such_run/cancel", null, "Origin", s.origin(), "Content-Type", "application/json");
        ApiServer.assertError(cancel, 404, null, "cancel");
        ApiServer.assertError(
                write("/dags/ok_dag/runs/no_such_run/cancel", null, "Origin", s.origin()),
                415,
                "Content-Type",
                "cancel without type");
        String other = s.login("olga", "operator-password");
        var refused = s.raw("POST", "/auth/logout", Map.of("Cookie", other, "Origin", "http://127.0.0.1:1"), null);
        ApiServer.assertError(refused, 403, "Origin", "cross-origin logout");
        assertThat(s.raw("GET", "/auth/me", Map.of("Cookie", other), null).status())
                .as("still logged in")
                .isEqualTo(200);
        assertThat(s.sendWithCookie("POST", "/auth/logout", other, null).status())
                .isEqualTo(204);
        assertThat(s.raw("GET", "/auth/me", Map.of("Cookie", other), null).status())
                .isEqualTo(401);
    }

    @Test
    void a_login_from_another_origin_is_refused_but_scripts_without_origin_may_log_in() {
        String body = "{\"username\":\"olga\",\"password\":\"operator-password\"}";
        ApiServer.assertError(
                s.raw(
                        "POST",
                        "/auth/login",
                        Map.of("Origin", "http://localhost:1", "Content-Type", "application/json"),
                        body),
                403,
                "Origin",
                "cross-origin login");
        ApiServer.assertError(
                s.raw("POST", "/auth/login", Map.of("Content-Type", "text/plain"), body),
                415,
                "Content-Type",
                "login as text/plain");
        // curl, as in the README: no Origin, JSON.
        assertThat(s.raw("POST", "/auth/login", Map.of("Content-Type", "application/json"), body)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void bearer_token_calls_are_not_affected() {
        var a = s.raw(
                "POST",
                "/dags/ok_dag/runs",
                Map.of(
                        "Authorization",
                        "Bearer " + s.tokens.get(Role.OPERATOR),
                        "Origin",
                        "http://elsewhere.example",
                        "Content-Type",
                        "text/plain"),
                "{\"logical_date\":\"2023-05-05T00:00:00Z\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        var cancel = s.raw(
                "POST",
                "/dags/ok_dag/runs/no_such_run/cancel",
                Map.of("Authorization", "Bearer " + s.tokens.get(Role.OPERATOR)),
                null);
        assertThat(cancel.status()).isEqualTo(404);
    }

    @Test
    void reads_with_the_cookie_need_no_origin() {
        assertThat(s.raw("GET", "/auth/me", Map.of("Cookie", cookie, "Origin", "http://elsewhere.example"), null)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void anonymous_writes_still_get_401_not_a_cross_site_refusal() {
        ApiServer.assertError(
                s.raw("POST", "/dags/ok_dag/runs", Map.of("Origin", "http://elsewhere.example"), "{}"),
                401,
                null,
                "anonymous");
    }
}
