package dev.sluice.notify;

import java.time.Duration;
import java.util.Map;

/**
 * Webhook delivery settings. {@code globalUrl} ({@code SLUICE_WEBHOOK_URL}) serves DAGs that name no URL;
 * {@code baseUrl} ({@code SLUICE_BASE_URL}) prefixes the UI links in payloads. A delivery is tried
 * {@code attempts} times, waiting {@code backoff}, 2×, 4×… between tries, each try bounded by {@code timeout}.
 */
public record WebhookConfig(String globalUrl, String baseUrl, Duration timeout, int attempts, Duration backoff) {

    public static WebhookConfig fromEnvironment(Map<String, String> env) {
        String url = env.get("SLUICE_WEBHOOK_URL");
        return new WebhookConfig(
                url == null || url.isBlank() ? null : url,
                env.getOrDefault("SLUICE_BASE_URL", "http://localhost:8080"),
                Duration.ofSeconds(10),
                4,
                Duration.ofSeconds(2));
    }

    public WebhookConfig withRetries(int attempts, Duration backoff) {
        return new WebhookConfig(globalUrl, baseUrl, timeout, attempts, backoff);
    }
}
