package dev.sluice.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** X-Forwarded-For is believed only behind a proxy the setting names, and then only the proxy's own entry. */
class ClientAddressTest {

    @Test
    void without_the_setting_the_header_is_ignored() {
        assertThat(new ClientAddress(false).resolve("10.0.0.5", "203.0.113.9")).isEqualTo("10.0.0.5");
    }

    @Test
    void behind_a_trusted_proxy_the_last_entry_is_the_client() {
        ClientAddress a = new ClientAddress(true);
        // The first entries are what the client sent; the proxy appended the last one.
        assertThat(a.resolve("10.0.0.1", "1.2.3.4, 203.0.113.9")).isEqualTo("203.0.113.9");
        assertThat(a.resolve("10.0.0.1", "2001:db8::7")).isEqualTo("2001:db8::7");
        assertThat(a.resolve("10.0.0.1", null)).isEqualTo("10.0.0.1");
        assertThat(a.resolve("10.0.0.1", "203.0.113.9, <script>")).isEqualTo("10.0.0.1");
        assertThat(a.resolve("10.0.0.1", "")).isEqualTo("10.0.0.1");
    }

    @Test
    void the_setting_is_true_or_false() {
        assertThat(ClientAddress.parse(null)).isFalse();
        assertThat(ClientAddress.parse("TRUE")).isTrue();
        assertThat(ClientAddress.parse("false")).isFalse();
        assertThatThrownBy(() -> ClientAddress.parse("yes"))
                .hasMessage("SLUICE_TRUST_PROXY must be true or false, got \"yes\"");
    }
}
