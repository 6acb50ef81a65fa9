package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.auth.Role;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What every answer carries (security headers), the session cookie's Secure flag, the bind address, early 413. */
class HttpEdgeTest {

    private static void assertSecurityHeaders(ApiServer.Answer a, String what) {
        var h = a.headers();
        assertThat(h.firstValue("Content-Security-Policy").orElse(""))
                .as(what)
                .contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval");
        assertThat(h.firstValue("X-Frame-Options")).as(what).hasValue("DENY");
        assertThat(h.firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
        assertThat(h.firstValue("Referrer-Policy")).as(what).hasValue("same-origin");
    }

    @Test
    void every_kind_of_answer_carries_the_security_headers_and_api_answers_are_not_cached() throws Exception {
        ApiServer s = ApiServer.shared();
        var answers = Map.of(
                "api 200", s.get("/dags", Role.VIEWER),
                "api 401", s.get("/dags", null),
                "api 400", s.get("/runs?limit=0", Role.VIEWER),
                "api 404", s.get("/no/such/route", Role.VIEWER),
                "api 413",
                        s.post(
                                "/dags/ok_dag/runs",
                                Role.OPERATOR,
                                "{\"params\":{\"x\":\"" + "a".repeat(1 << 21) + "\"}}"),
                "open", s.get("/health", null),
                "docs", s.get("/docs", null));
        answers.forEach((what, a) -> {
            assertSecurityHeaders(a, what);
            assertThat(a.headers().firstValue("Cache-Control")).as(what).hasValue("no-store");
        });
        for (String page : new String[] {"/ui/", "/ui/js/api.js", "/ui/css/sluice.css", "/ui/no-such-file", "/"}) {
            assertSecurityHeaders(s.page(page), page);
        }
    }

    @Test
    void the_api_docs_page_has_no_inline_script() throws Exception {
        String html = ApiServer.shared().get("/docs", null).body();
        assertThat(html)
                .contains("<script src=\"/ui/js/api-docs.js\"></script>")
                .doesNotContainPattern("<script>[^<]");
        var init = ApiServer.shared().page("/ui/js/api-docs.js");
        assertThat(init.status()).isEqualTo(200);
        assertThat(init.body()).contains("SwaggerUIBundle(");
    }

    @Test
    void the_session_cookie_is_secure_behind_an_https_proxy_and_not_over_plain_http() throws Exception {
        ApiServer s = ApiServer.shared();
        String body = "{\"username\":\"olga\",\"password\":\"operator-password\"}";
        var plain = s.raw("POST", "/auth/login", Map.of("Content-Type", "application/json"), body);
        assertThat(plain.headers().firstValue("Set-Cookie").orElseThrow()).doesNotContainIgnoringCase("secure");
        var proxied = s.raw(
                "POST", "/auth/login", Map.of("Content-Type", "application/json", "X-Forwarded-Proto", "https"), body);
        assertThat(proxied.headers().firstValue("Set-Cookie").orElseThrow())
                .containsIgnoringCase("; Secure")
                .contains("HttpOnly")
                .containsIgnoringCase("SameSite=Strict");
    }

    @Test
    void the_server_listens_on_the_loopback_address_by_default() throws Exception {
        assertThat(ApiServer.shared().app.http().host()).isEqualTo("127.0.0.1");
    }

    @Test
    void a_content_length_beyond_2_to_the_31_is_refused_at_once() throws Exception {
        ApiServer s = ApiServer.shared();
        for (String length : new String[] {"2147483648", "9000000000", "2000000"}) {
            try (Socket socket = new Socket("127.0.0.1", s.app.httpPort())) {
                socket.setSoTimeout(5_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/v1/dags/ok_dag/runs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                                + s.tokens.get(Role.OPERATOR) + "\r\nContent-Type: application/json\r\nContent-Length: "
                                + length + "\r\n\r\n{\"params\":")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long start = System.nanoTime();
                InputStream in = socket.getInputStream();
                String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(status).as("Content-Length " + length).isEqualTo("HTTP/1.1 413");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            }
        }
    }
}
