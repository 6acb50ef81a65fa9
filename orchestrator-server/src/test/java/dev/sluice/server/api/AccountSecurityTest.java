package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.TokenStore;
import dev.sluice.server.http.ApiJson;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Findings of the security test, through the real HTTP API: access that outlived its owner, tokens without
 * expiry, a server left without an admin, usernames differing only in case, and unlimited password guessing.
 * Every user here has its own name: the server is shared with the other API tests.
 */
class AccountSecurityTest {

    private static ApiServer.Answer call(
            ApiServer s, String method, String path, String bearer, String cookie, String body, String... headers)
            throws Exception {
        var b = HttpRequest.newBuilder(URI.create(s.base + path))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        if (cookie != null) b.header("Cookie", cookie);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        HttpResponse<String> r = s.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new ApiServer.Answer(r.statusCode(), r.body(), r.headers());
    }

    private static ApiServer.Answer login(ApiServer s, String username, String password, String... headers)
            throws Exception {
        return call(
                s,
                "POST",
                "/auth/login",
                null,
                null,
                ApiJson.MAPPER.writeValueAsString(new Requests.Login(username, password)),
                headers);
    }

    private static String cookie(ApiServer.Answer login) {
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private static void createUser(ApiServer s, String name, String password, Role role) {
        var a = s.post(
                "/users",
                Role.ADMIN,
                "{\"username\":\"" + name + "\",\"password\":\"" + password + "\",\"role\":\"" + role.apiName()
                        + "\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
    }

    private static List<JsonNode> audit(ApiServer s, String action, String target) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : s.get("/audit?limit=500", Role.ADMIN).json().path("items")) {
            if (e.path("action").asText().equals(action)
                    && e.path("target").asText().equals(target)) out.add(e);
        }
        return out;
    }

    @Test
    void a_deleted_users_tokens_and_sessions_stop_working() throws Exception {
        ApiServer s = ApiServer.shared();
        createUser(s, "dora", "dora-password", Role.ADMIN);
        String session = cookie(login(s, "dora", "dora-password"));
        String doraToken = new TokenStore(s.app.db.dsl())
                .create("dora-cli", Role.ADMIN, "dora")
                .token();
        // A token made by a token belongs to the same user.
        var made = call(s, "POST", "/tokens", doraToken, null, "{\"name\":\"dora-made\",\"role\":\"admin\"}");
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        String madeToken = made.json().path("token").asText();
        assertThat(s.get("/tokens", Role.ADMIN).body())
                .contains("\"name\":\"dora-made\",\"role\":\"admin\",\"created_by\":\"dora\"");
        assertThat(call(s, "GET", "/auth/me", madeToken, null, null).status()).isEqualTo(200);
        assertThat(call(s, "GET", "/auth/me", null, session, null).status()).isEqualTo(200);

        assertThat(s.send("DELETE", "/users/dora", Role.ADMIN, null).status()).isEqualTo(204);

        for (String token : List.of(doraToken, madeToken)) {
            var me = call(s, "GET", "/auth/me", token, null, null);
            assertThat(me.status()).isEqualTo(401);
            assertThat(me.json().path("error").asText()).isEqualTo("invalid API token");
            // What the security test did with such a token: create a new admin.
            assertThat(call(
                                    s,
                                    "POST",
                                    "/users",
                                    token,
                                    null,
                                    "{\"username\":\"eve-" + token.length()
                                            + "\",\"password\":\"eve-password\",\"role\":\"admin\"}")
                            .status())
                    .isEqualTo(401);
        }
        assertThat(call(s, "GET", "/auth/me", null, session, null).status()).isEqualTo(401);
        assertThat(s.get("/tokens", Role.ADMIN).body()).doesNotContain("dora-cli", "dora-made");
    }

    @Test
    void a_token_acts_with_no_more_than_its_owners_current_role() throws Exception {
        ApiServer s = ApiServer.shared();
        createUser(s, "gus", "gus-password", Role.ADMIN);
        String token = new TokenStore(s.app.db.dsl())
                .create("gus-admin", Role.ADMIN, "gus")
                .token();
        assertThat(call(s, "GET", "/users", token, null, null).status()).isEqualTo(200);
        assertThat(s.send("PATCH", "/users/gus", Role.ADMIN, "{\"role\":\"viewer\"}")
                        .status())
                .isEqualTo(200);
        var me = call(s, "GET", "/auth/me", token, null, null);
        assertThat(me.json().path("role").asText()).isEqualTo("viewer");
        assertThat(call(s, "GET", "/users", token, null, null).status()).isEqualTo(403);
    }

    @Test
    void tokens_can_expire_and_are_refused_after() throws Exception {
        ApiServer s = ApiServer.shared();
        Instant before = Instant.now();
        var created =
                s.post("/tokens", Role.ADMIN, "{\"name\":\"short-lived\",\"role\":\"viewer\",\"expires_in\":\"2h\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        Instant expiresAt = Instant.parse(created.json().path("expires_at").asText());
        assertThat(expiresAt)
                .isBetween(before.plus(Duration.ofHours(2)), Instant.now().plus(Duration.ofHours(2)));
        String token = created.json().path("token").asText();
        long id = created.json().path("id").asLong();
        assertThat(call(s, "GET", "/dags", token, null, null).status()).isEqualTo(200);

        JsonNode listed = token(s, id);
        assertThat(Instant.parse(listed.path("expires_at").asText())).isEqualTo(expiresAt);
        assertThat(listed.path("expired").asBoolean()).isFalse();
        assertThat(audit(s, "token.create", "short-lived")
                        .getFirst()
                        .path("details")
                        .path("expires_at")
                        .asText())
                .isEqualTo(expiresAt.toString());

        s.app.db.dsl().execute("update api_token set expires_at = now() - interval '1 minute' where id = ?", id);
        var refused = call(s, "GET", "/dags", token, null, null);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.json().path("error").asText()).startsWith("API token expired at ");
        assertThat(token(s, id).path("expired").asBoolean()).isTrue();

        String until = Instant.now()
                .plus(Duration.ofDays(30))
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString();
        var at = s.post(
                "/tokens", Role.ADMIN, "{\"name\":\"until\",\"role\":\"viewer\",\"expires_at\":\"" + until + "\"}");
        assertThat(at.json().path("expires_at").asText()).as(at.body()).isEqualTo(until);
        assertThat(token(s, at.json().path("id").asLong()).path("expires_at").asText())
                .isEqualTo(until);
        var never = s.post("/tokens", Role.ADMIN, "{\"name\":\"forever\",\"role\":\"viewer\"}");
        assertThat(never.json().path("expires_at").isNull()).isTrue();
    }

    private static JsonNode token(ApiServer s, long id) {
        for (JsonNode t : s.get("/tokens", Role.ADMIN).json().path("items"))
            if (t.path("id").asLong() == id) return t;
        throw new AssertionError("token " + id + " not listed");
    }

    @Test
    void bad_expiry_is_a_400_naming_the_field() throws Exception {
        ApiServer s = ApiServer.shared();
        String[][] cases = {
            {"\"expires_in\":\"soon\"", "expires_in"},
            {"\"expires_in\":\"0d\"", "expires_in"},
            {"\"expires_in\":\"-PT1H\"", "expires_in"},
            {"\"expires_in\":\"99999d\"", "expires_in"},
            {"\"expires_in\":\"P999999999D\"", "expires_in"},
            {"\"expires_at\":\"2001-01-01T00:00:00Z\"", "expires_at"},
            {"\"expires_at\":\"tomorrow\"", "expires_at"},
            {"\"expires_at\":\"9999-01-01T00:00:00Z\"", "expires_at"},
            {"\"expires_in\":\"1d\",\"expires_at\":\"2030-01-01T00:00:00Z\"", "expires_in"}
        };
        for (String[] c : cases) {
            var a = s.post("/tokens", Role.ADMIN, "{\"name\":\"bad\",\"role\":\"viewer\"," + c[0] + "}");
            ApiServer.assertError(a, 400, c[1], c[0]);
        }
    }

    @Test
    void the_last_admin_cannot_be_demoted_or_delete_itself_through_its_token() throws Exception {
        ApiServer s = ApiServer.shared();
        // The fixture tokens belong to "admin", the only admin user of the shared server.
        assertThat(s.app.db
                        .dsl()
                        .fetchCount(s.app.db.dsl().selectFrom("app_user").where("role = 'admin'")))
                .isEqualTo(1);
        var demote = s.send("PATCH", "/users/admin", Role.ADMIN, "{\"role\":\"operator\"}");
        ApiServer.assertError(demote, 409, null, "demote the last admin");
        assertThat(demote.json().path("error").asText()).contains("last admin");
        // Before, a token was not "yourself": an admin token could delete its own user, the last admin.
        ApiServer.assertError(s.send("DELETE", "/users/admin", Role.ADMIN, null), 409, "username", "delete yourself");
        assertThat(s.get("/users", Role.ADMIN).body()).contains("{\"username\":\"admin\",\"role\":\"admin\"");
        assertThat(s.get("/auth/me", Role.ADMIN).json().path("role").asText()).isEqualTo("admin");

        // With a second admin, either may step down.
        createUser(s, "fay", "fay-password", Role.ADMIN);
        assertThat(s.send("PATCH", "/users/fay", Role.ADMIN, "{\"role\":\"viewer\"}")
                        .status())
                .isEqualTo(200);
        assertThat(s.send("DELETE", "/users/fay", Role.ADMIN, null).status()).isEqualTo(204);
    }

    @Test
    void usernames_are_unique_and_matched_regardless_of_case() throws Exception {
        ApiServer s = ApiServer.shared();
        var upper = s.post(
                "/users", Role.ADMIN, "{\"username\":\"ADMIN\",\"password\":\"admin-password\",\"role\":\"admin\"}");
        ApiServer.assertError(upper, 409, "username", "ADMIN next to admin");
        assertThat(upper.json().path("error").asText()).isEqualTo("user admin exists (usernames are case-insensitive)");

        createUser(s, "Quinn", "quinn-password", Role.VIEWER);
        ApiServer.assertError(
                s.post(
                        "/users",
                        Role.ADMIN,
                        "{\"username\":\"quinn\",\"password\":\"other-password\",\"role\":\"admin\"}"),
                409,
                "username",
                "quinn next to Quinn");
        // Login in any case is the same user, named as created.
        var login = login(s, "QUINN", "quinn-password");
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        assertThat(login.json().path("username").asText()).isEqualTo("Quinn");
        assertThat(call(s, "GET", "/auth/me", null, cookie(login), null)
                        .json()
                        .path("username")
                        .asText())
                .isEqualTo("Quinn");
        var patched = s.send("PATCH", "/users/quinn", Role.ADMIN, "{\"role\":\"operator\"}");
        assertThat(patched.json().path("username").asText()).isEqualTo("Quinn");
        assertThat(s.send("DELETE", "/users/QUINN", Role.ADMIN, null).status()).isEqualTo(204);
        assertThat(s.get("/users", Role.ADMIN).json().path("items").findValuesAsText("username"))
                .doesNotContain("Quinn");
    }

    @Test
    void repeated_wrong_passwords_lock_the_username_even_for_the_right_one_and_are_audited() throws Exception {
        ApiServer s = ApiServer.shared();
        createUser(s, "hank", "hank-password", Role.VIEWER);
        for (int i = 1; i <= 5; i++) {
            // The header is not trusted without SLUICE_TRUST_PROXY: the client cannot choose its address.
            var a = login(s, i % 2 == 0 ? "HANK" : "hank", "wrong-" + i, "X-Forwarded-For", "203.0.113.9");
            assertThat(a.status()).as("attempt " + i + ": " + a.body()).isEqualTo(401);
        }
        var locked = login(s, "hank", "hank-password");
        assertThat(locked.status()).as(locked.body()).isEqualTo(429);
        long retryAfter =
                Long.parseLong(locked.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 30L);
        assertThat(locked.json().path("retryable").asBoolean()).isTrue();
        assertThat(locked.json().path("error").asText()).contains("too many failed logins");
        assertThat(locked.headers().firstValue("Set-Cookie")).isEmpty();

        List<JsonNode> failures = audit(s, "auth.login_failed", "hank");
        failures.addAll(audit(s, "auth.login_failed", "HANK"));
        assertThat(failures).hasSize(5);
        for (JsonNode f : failures) {
            assertThat(f.path("actor").asText()).isEqualTo("anonymous");
            String address = f.path("details").path("address").asText();
            assertThat(address).isNotBlank().isNotEqualTo("203.0.113.9");
            assertThat(address).matches("127\\.0\\.0\\.1|\\[?0:0:0:0:0:0:0:1]?|::1");
        }
        assertThat(failures.stream().map(f -> f.path("details").path("failures").asInt()))
                .containsExactlyInAnyOrder(1, 2, 3, 4, 5);
        assertThat(failures.stream()
                        .filter(f ->
                                f.path("details").path("locked_for_seconds").asInt() == 30))
                .hasSize(1);
        // The other users are not locked out by hank's attacker.
        assertThat(login(s, "olga", "operator-password").status()).isEqualTo(200);
    }

    @Test
    void a_successful_login_resets_the_usernames_failures() throws Exception {
        ApiServer s = ApiServer.shared();
        createUser(s, "ivy", "ivy-password", Role.VIEWER);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 4; i++)
                assertThat(login(s, "ivy", "wrong-password").status()).isEqualTo(401);
            var ok = login(s, "Ivy", "ivy-password");
            assertThat(ok.status()).as("round " + round + ": " + ok.body()).isEqualTo(200);
            assertThat(audit(s, "auth.login", "ivy")
                            .getFirst()
                            .path("details")
                            .path("address")
                            .asText())
                    .isNotBlank();
        }
        assertThat(s.app.db
                        .dsl()
                        .fetchCount(s.app.db.dsl().selectFrom("login_throttle").where("subject = 'user:ivy'")))
                .isZero();
    }
}
