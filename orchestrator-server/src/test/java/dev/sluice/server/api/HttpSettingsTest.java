package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.server.HttpServer;
import dev.sluice.server.http.HttpSettings;
import dev.sluice.server.http.HttpSettings.CookieSecure;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SLUICE_BIND, SLUICE_COOKIE_SECURE and SLUICE_ALLOWED_ORIGINS: how they read, and what they do on a real server. */
class HttpSettingsTest {

    @Test
    void defaults_listen_on_loopback_with_automatic_secure_cookies_and_no_other_origin() {
        HttpSettings d = HttpSettings.from(Map.of());
        assertThat(d).isEqualTo(HttpSettings.DEFAULTS);
        assertThat(d.bind()).isEqualTo("127.0.0.1");
        assertThat(d.cookieSecure()).isEqualTo(CookieSecure.AUTO);
        assertThat(d.allowedOrigins()).isEmpty();
    }

    @Test
    void settings_read_from_the_environment() {
        HttpSettings s = HttpSettings.from(Map.of(
                "SLUICE_BIND",
                "0.0.0.0",
                "SLUICE_COOKIE_SECURE",
                "TRUE",
                "SLUICE_ALLOWED_ORIGINS",
                " HTTPS://Sluice.Example.com:443 , http://proxy.internal:8080/ ,"));
        assertThat(s.bind()).isEqualTo("0.0.0.0");
        assertThat(s.cookieSecure()).isEqualTo(CookieSecure.TRUE);
        assertThat(s.allowedOrigins()).containsExactly("https://sluice.example.com", "http://proxy.internal:8080");
        assertThat(HttpSettings.from(Map.of("SLUICE_COOKIE_SECURE", "false")).cookieSecure())
                .isEqualTo(CookieSecure.FALSE);
    }

    @Test
    void bad_settings_fail_at_start_naming_the_variable() {
        assertThatThrownBy(() -> HttpSettings.from(Map.of("SLUICE_COOKIE_SECURE", "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SLUICE_COOKIE_SECURE");
        for (String origin :
                List.of("sluice.example.com", "https://sluice.example.com/ui/", "ftp://x", "https://x?y=1", "null")) {
            assertThatThrownBy(() -> HttpSettings.from(Map.of("SLUICE_ALLOWED_ORIGINS", origin)))
                    .as(origin)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("SLUICE_ALLOWED_ORIGINS");
        }
    }

    @Test
    void origins_compare_as_browsers_send_them() {
        assertThat(HttpSettings.normalizeOrigin("HTTP://LocalHost:80")).isEqualTo("http://localhost");
        assertThat(HttpSettings.normalizeOrigin("https://a.example:8443/page?x=1"))
                .isEqualTo("https://a.example:8443");
        assertThat(HttpSettings.normalizeOrigin("null")).isNull();
        assertThat(HttpSettings.normalizeOrigin("javascript:alert(1)")).isNull();
        assertThat(HttpSettings.normalizeOrigin("http://[::1]:8080")).isEqualTo("http://[::1]:8080");
    }

    @Test
    void a_server_behind_a_proxy_takes_writes_from_its_public_origin_and_always_sets_secure_cookies() throws Exception {
        ApiServer s = ApiServer.shared();
        HttpSettings settings = HttpSettings.DEFAULTS
                .withCookieSecure(CookieSecure.TRUE)
                .withAllowedOrigins(List.of("https://sluice.example.com"));
        try (HttpServer proxied = HttpServer.start(s.app, settings, 0)) {
            String base = "http://127.0.0.1:" + proxied.port() + "/api/v1";
            var login = s.http.send(
                    HttpRequest.newBuilder(URI.create(base + "/auth/login"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"username\":\"olga\",\"password\":\"operator-password\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(setCookie)
                    .as("secure although the request came over plain HTTP")
                    .containsIgnoringCase("; Secure");
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            for (String origin :
                    List.of("https://sluice.example.com", "http://sluice.example.com", "https://evil.example")) {
                var write = s.http.send(
                        HttpRequest.newBuilder(URI.create(base + "/dags/ok_dag/runs/no_such_run/cancel"))
                                .header("Cookie", cookie)
                                .header("Origin", origin)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(write.statusCode())
                        .as(origin + ": " + write.body())
                        .isEqualTo(origin.equals("https://sluice.example.com") ? 404 : 403);
            }
        }
        HttpSettings never = HttpSettings.DEFAULTS.withCookieSecure(CookieSecure.FALSE);
        try (HttpServer plain = HttpServer.start(s.app, never, 0)) {
            var login = s.http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plain.port() + "/api/v1/auth/login"))
                            .header("Content-Type", "application/json")
                            .header("X-Forwarded-Proto", "https")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"username\":\"olga\",\"password\":\"operator-password\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).doesNotContainIgnoringCase("secure");
        }
    }

    @Test
    void the_bind_address_is_the_one_jetty_listens_on() throws Exception {
        ApiServer s = ApiServer.shared();
        try (HttpServer named = HttpServer.start(s.app, HttpSettings.DEFAULTS.withBind("localhost"), 0)) {
            assertThat(named.host()).isEqualTo("localhost");
        }
    }
}
