package dev.sluice.server.api;

import static dev.sluice.server.api.MalformedRequestTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.auth.Role;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The inputs a security test turned into 500s, and the duplicate-key login: each is now a 400 naming the field.
 * PostgreSQL refuses NUL (0x00) in text and years beyond its range; Java accepts both.
 */
class InputFindingsTest {
    static String cursor(String raw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void nul_in_query_filters_and_path_params_is_400_naming_the_parameter() throws Exception {
        ApiServer s = ApiServer.shared();
        assertError(s.get("/runs?dag_id=ok%00dag", Role.VIEWER), 400, "dag_id", "runs dag_id");
        assertError(s.get("/dags?q=a%00b", Role.VIEWER), 400, "q", "dags q");
        assertError(s.get("/dags?tag=%00", Role.VIEWER), 400, "tag", "dags tag");
        assertError(s.get("/failures?dag_id=%00", Role.VIEWER), 400, "dag_id", "failures dag_id");
        assertError(s.get("/backfills?dag_id=%00", Role.VIEWER), 400, "dag_id", "backfills dag_id");
        assertError(s.get("/experiments?task_id=%00", Role.VIEWER), 400, "task_id", "experiments task_id");
        // Jetty refuses %00 in a path before any route sees it: a 400 in the API's JSON shape, no field to name.
        assertError(s.get("/dags/ok%00dag", Role.VIEWER), 400, null, "path dag_id");
        assertError(s.get("/dags/ok_dag/runs/r%00", Role.VIEWER), 400, null, "path run_id");
        assertError(s.get("/models/m%00/versions", Role.VIEWER), 400, null, "path name");
        assertError(s.send("DELETE", "/users/a%00b", Role.ADMIN, null), 400, null, "path username");
        assertThat(s.get("/dags/ok%00dag", Role.VIEWER).json().path("error").asText())
                .startsWith("malformed request");
    }

    @Test
    void nul_in_any_json_string_or_key_is_400_naming_its_path() throws Exception {
        ApiServer s = ApiServer.shared();
        var login = s.raw(
                "POST",
                "/auth/login",
                Map.of("Content-Type", "application/json"),
                "{\"username\":\"ad\\u0000min\",\"password\":\"whatever-pass\"}");
        assertError(login, 400, "username", "login username");
        assertError(
                s.post(
                        "/users",
                        Role.ADMIN,
                        "{\"username\":\"u\\u0000\",\"password\":\"password-1\",\"role\":\"viewer\"}"),
                400,
                "username",
                "new user");
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\":{\"n\":\"\\u0000\"}}"),
                400,
                "params.n",
                "param value");
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\":{\"x\\u0000\":1}}"),
                400,
                "params.x\\u0000",
                "param key");
        assertError(
                s.post("/models/m/predict", Role.VIEWER, "{\"rows\":[{\"a\":1},{\"b\":[\"ok\",\"\\u0000\"]}]}"),
                400,
                "rows[1].b[1]",
                "row");
        assertError(
                s.post("/tokens", Role.ADMIN, "{\"name\":\"t\\u0000\",\"role\":\"viewer\"}"),
                400,
                "name",
                "token name");
    }

    @Test
    void forged_cursors_are_400_on_cursor() throws Exception {
        ApiServer s = ApiServer.shared();
        for (String raw : new String[] {
            "t-9223372036854775808:1",
            "t-210866803200000001:1",
            "t9223372036854775807:1",
            "t253402300800000000:1",
            "t0:99999999999999999999",
            "t1",
            "sa\0b"
        }) {
            String c = cursor(raw);
            for (String list :
                    new String[] {"/runs", "/failures", "/experiments", "/audit", "/dags", "/dags/ok_dag/grid"}) {
                assertError(s.get(list + "?cursor=" + c, Role.ADMIN), 400, "cursor", list + " " + raw);
            }
        }
        // A real cursor's range still works: the first and the last supported instant.
        assertThat(s.get("/runs?cursor=" + cursor("t-62135596800000000:1"), Role.VIEWER)
                        .status())
                .isEqualTo(200);
        assertThat(s.get("/runs?cursor=" + cursor("t253402300799999999:1"), Role.VIEWER)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void dates_outside_years_1_to_9999_are_400_naming_the_field() throws Exception {
        ApiServer s = ApiServer.shared();
        for (String d : new String[] {
            "%2B999999999-01-01", "-999999999-01-01", "0000-01-01", "%2B10000-01-01T00:00:00Z", "-0001-12-31T23:59:59Z"
        }) {
            assertError(s.get("/runs?from=" + d, Role.VIEWER), 400, "from", "from " + d);
            assertError(s.get("/runs?to=" + d, Role.VIEWER), 400, "to", "to " + d);
            assertError(s.get("/failures?since=" + d, Role.VIEWER), 400, "since", "since " + d);
        }
        assertThat(s.get("/runs?from=0001-01-01&to=9999-12-31T23:59:59Z", Role.VIEWER)
                        .status())
                .isEqualTo(200);
        for (String t :
                new String[] {"+999999999-01-01T00:00:00Z", "-999999999-01-01T00:00:00Z", "0000-12-31T00:00:00Z"}) {
            assertError(
                    s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"logical_date\":\"" + t + "\"}"),
                    400,
                    "logical_date",
                    t);
        }
        // A number is read as epoch seconds: far beyond year 9999 is refused the same way.
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"logical_date\":9223372036854775807}"),
                400,
                "logical_date",
                "epoch");
        for (String d : new String[] {"+999999999-01-01", "-999999999-01-01", "0000-01-01"}) {
            assertError(
                    s.post("/dags/ok_dag/backfills", Role.OPERATOR, "{\"from\":\"" + d + "\",\"to\":\"2025-01-01\"}"),
                    400,
                    "from",
                    d);
            assertError(
                    s.post("/dags/ok_dag/backfills", Role.OPERATOR, "{\"from\":\"2025-01-01\",\"to\":\"" + d + "\"}"),
                    400,
                    "to",
                    d);
        }
    }

    @Test
    void a_token_name_longer_than_its_column_is_400() throws Exception {
        ApiServer s = ApiServer.shared();
        assertError(
                s.post("/tokens", Role.ADMIN, "{\"name\":\"" + "n".repeat(201) + "\",\"role\":\"viewer\"}"),
                400,
                "name",
                "201 chars");
        assertThat(s.post("/tokens", Role.ADMIN, "{\"name\":\"" + "n".repeat(200) + "\",\"role\":\"viewer\"}")
                        .status())
                .isEqualTo(201);
    }

    @Test
    void a_key_given_twice_is_refused_at_any_depth() throws Exception {
        ApiServer s = ApiServer.shared();
        var login = s.raw(
                "POST",
                "/auth/login",
                Map.of("Content-Type", "application/json"),
                "{\"username\":\"nobody\",\"username\":\"olga\",\"password\":\"operator-password\"}");
        assertError(login, 400, "username", "duplicate username");
        assertThat(login.headers().firstValue("Set-Cookie")).isEmpty();
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\":{\"n\":1,\"n\":2}}"),
                400,
                "params.n",
                "nested duplicate");
        assertError(
                s.post("/models/m/predict", Role.VIEWER, "{\"rows\":[{\"a\":1,\"a\":2}]}"),
                400,
                "rows[0].a",
                "row duplicate");
    }

    @Test
    void numbers_that_do_not_fit_are_400_naming_the_field() throws Exception {
        ApiServer s = ApiServer.shared();
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\":{\"n\":1e400}}"),
                400,
                "params.n",
                "1e400 param");
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\":{\"n\":-1e400}}"),
                400,
                "params.n",
                "-1e400 param");
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\":{\"n\":9223372036854775808}}"),
                400,
                "params.n",
                "2^63 param");
        assertError(
                s.post("/dags/ok_dag/runs", Role.OPERATOR, "{\"params\":{\"n\":-9223372036854775809}}"),
                400,
                "params.n",
                "-2^63-1");
        assertError(
                s.post("/models/m/predict", Role.VIEWER, "{\"rows\":[{\"age\":1e400}]}"),
                400,
                "rows[0].age",
                "1e400 row");
        assertError(
                s.post("/models/m/aliases/champion", Role.OPERATOR, "{\"version\":1e400}"),
                400,
                "version",
                "1e400 version");
        assertError(
                s.post("/models/m/aliases/champion", Role.OPERATOR, "{\"version\":2147483648}"),
                400,
                "version",
                "int overflow");
        assertError(
                s.post(
                        "/dags/ok_dag/backfills",
                        Role.OPERATOR,
                        "{\"from\":\"2025-01-01\",\"to\":\"2025-01-01\",\"max_active_runs\":9223372036854775807}"),
                400,
                "max_active_runs",
                "int overflow");
    }
}
