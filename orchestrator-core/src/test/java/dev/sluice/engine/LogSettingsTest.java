package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogSettingsTest {

    @Test
    void defaults_and_values_from_the_environment() {
        assertThat(LogSettings.from(Map.of())).isEqualTo(LogSettings.DEFAULTS);
        LogSettings s = LogSettings.from(Map.of(
                "SLUICE_LOG_MAX_BYTES", "1024", "SLUICE_LOG_RETENTION", "7d", "SLUICE_LOG_RETENTION_BYTES", " 5000 "));
        assertThat(s.maxBytes()).isEqualTo(1024);
        assertThat(s.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(s.retentionBytes()).isEqualTo(5000);
        assertThat(s.store()).isNull();
    }

    @Test
    void bad_values_name_the_setting() {
        assertThatThrownBy(() -> LogSettings.from(Map.of("SLUICE_LOG_MAX_BYTES", "64MB")))
                .hasMessageContaining("SLUICE_LOG_MAX_BYTES")
                .hasMessageContaining("64MB");
        assertThatThrownBy(() -> LogSettings.from(Map.of("SLUICE_LOG_MAX_BYTES", "0")))
                .hasMessageContaining("SLUICE_LOG_MAX_BYTES must be at least 1");
        assertThatThrownBy(() -> LogSettings.from(Map.of("SLUICE_LOG_RETENTION", "a month")))
                .hasMessageContaining("SLUICE_LOG_RETENTION")
                .hasMessageContaining("30d");
        assertThatThrownBy(() -> LogSettings.from(Map.of("SLUICE_LOG_RETENTION", "0d")))
                .hasMessageContaining("SLUICE_LOG_RETENTION must be a positive duration");
        assertThatThrownBy(() -> LogSettings.from(Map.of("SLUICE_LOG_RETENTION_BYTES", "-1")))
                .hasMessageContaining("SLUICE_LOG_RETENTION_BYTES must not be negative");
    }
}
