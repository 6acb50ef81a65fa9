package dev.sluice.notify;

import dev.sluice.dag.Notifications;
import dev.sluice.dag.Notifications.Event;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Server-wide notification settings, read by the scheduler nodes that deliver notifications. The server-wide
 * channels serve DAGs that declare no {@code notifications:}: a webhook ({@code SLUICE_WEBHOOK_URL}), a Slack
 * incoming webhook ({@code SLUICE_SLACK_WEBHOOK_URL}) and e-mail ({@code SLUICE_NOTIFY_EMAIL_TO}), for the events
 * of {@code SLUICE_NOTIFY_ON}. A DAG channel without its own URL or recipients uses these too. {@code baseUrl}
 * ({@code SLUICE_BASE_URL}) prefixes the dashboard links in messages.
 *
 * <p>A delivery is tried {@code attempts} times, waiting {@code backoff}, 2×, 4×… between tries, each bounded by
 * {@code timeout}; then it is given up, logged and counted.
 */
public record NotificationSettings(
        String webhookUrl,
        String slackUrl,
        List<String> emailTo,
        Set<Event> on,
        String baseUrl,
        SmtpSettings smtp,
        Duration timeout,
        int attempts,
        Duration backoff) {

    public NotificationSettings {
        emailTo = emailTo == null ? List.of() : List.copyOf(emailTo);
        on = on == null || on.isEmpty() ? Notifications.DEFAULT_EVENTS : Set.copyOf(on);
        if (attempts < 1) throw new IllegalArgumentException("attempts must be 1 or more");
    }

    /** No server-wide channel, no SMTP server: only DAGs' own webhook and Slack URLs are used. */
    public static NotificationSettings none(String baseUrl) {
        return new NotificationSettings(
                null, null, List.of(), null, baseUrl, null, Duration.ofSeconds(10), 4, Duration.ofSeconds(2));
    }

    public static NotificationSettings fromEnvironment(Map<String, String> env) {
        return new NotificationSettings(
                blankToNull(env.get("SLUICE_WEBHOOK_URL")),
                blankToNull(env.get("SLUICE_SLACK_WEBHOOK_URL")),
                list(env.get("SLUICE_NOTIFY_EMAIL_TO")),
                events(env.get("SLUICE_NOTIFY_ON")),
                env.getOrDefault("SLUICE_BASE_URL", "http://localhost:8080"),
                SmtpSettings.fromEnvironment(env),
                Duration.ofSeconds(10),
                4,
                Duration.ofSeconds(2));
    }

    public NotificationSettings withRetries(int attempts, Duration backoff) {
        return new NotificationSettings(webhookUrl, slackUrl, emailTo, on, baseUrl, smtp, timeout, attempts, backoff);
    }

    public NotificationSettings withSmtp(SmtpSettings smtp) {
        return new NotificationSettings(webhookUrl, slackUrl, emailTo, on, baseUrl, smtp, timeout, attempts, backoff);
    }

    public NotificationSettings withServerChannels(String webhookUrl, String slackUrl, List<String> emailTo) {
        return new NotificationSettings(webhookUrl, slackUrl, emailTo, on, baseUrl, smtp, timeout, attempts, backoff);
    }

    /** The channels for a DAG that declares none. */
    List<Notifications.Channel> serverChannels() {
        List<Notifications.Channel> out = new java.util.ArrayList<>();
        if (webhookUrl != null) out.add(Notifications.Channel.webhook(webhookUrl, on));
        if (slackUrl != null) out.add(Notifications.Channel.slack(slackUrl, on));
        if (!emailTo.isEmpty()) out.add(Notifications.Channel.email(emailTo, on));
        return out;
    }

    private static Set<Event> events(String s) {
        List<String> names = list(s);
        if (names.isEmpty()) return null;
        Set<Event> out = EnumSet.noneOf(Event.class);
        for (String n : names) {
            Event e = Event.fromYaml(n);
            if (e == null)
                throw new IllegalArgumentException(
                        "SLUICE_NOTIFY_ON: unknown event '" + n + "' (use " + Event.names() + ")");
            out.add(e);
        }
        return out;
    }

    static List<String> list(String s) {
        if (s == null || s.isBlank()) return List.of();
        return Arrays.stream(s.split(","))
                .map(String::trim)
                .filter(x -> !x.isEmpty())
                .toList();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** Keeps URLs (a Slack URL is a credential) and the SMTP password out of logs. */
    @Override
    public String toString() {
        return "NotificationSettings[webhook=" + (webhookUrl != null) + ", slack=" + (slackUrl != null) + ", emailTo="
                + emailTo + ", on=" + on + ", smtp=" + smtp + "]";
    }
}
