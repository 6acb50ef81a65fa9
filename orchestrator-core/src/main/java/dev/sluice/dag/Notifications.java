package dev.sluice.dag;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A DAG's {@code notifications:} list: the channels told of its events. {@link #NONE} is a DAG that said nothing:
 * the server-wide channels ({@code SLUICE_WEBHOOK_URL}, {@code SLUICE_SLACK_WEBHOOK_URL},
 * {@code SLUICE_NOTIFY_EMAIL_TO}) apply. A DAG's own list replaces them.
 *
 * <p>The older mapping form ({@code notifications: {webhook_url: URL, on: [...]}}) is one webhook channel.
 */
public record Notifications(List<Channel> channels) {
    /** Events a channel is told of when it names none: failures and missed deadlines, not routine retries. */
    public static final Set<Event> DEFAULT_EVENTS =
            Set.copyOf(EnumSet.of(Event.TASK_FAILED, Event.RUN_FAILED, Event.DEADLINE_MISSED));

    public static final Notifications NONE = new Notifications(List.of());

    public Notifications {
        channels = channels == null ? List.of() : List.copyOf(channels);
    }

    /** The older single-webhook form: a null URL means the server-wide {@code SLUICE_WEBHOOK_URL}. */
    public Notifications(String webhookUrl, Set<Event> on) {
        this(List.of(Channel.webhook(webhookUrl, on)));
    }

    public boolean isDefault() {
        return channels.isEmpty();
    }

    /** Whether this is the older form's shape (one plain webhook), which is stored in the older JSON form. */
    boolean isSingleWebhook() {
        return channels.size() == 1
                && channels.get(0).kind() == Kind.WEBHOOK
                && channels.get(0).urlSecret() == null
                && channels.get(0).to().isEmpty();
    }

    public enum Kind {
        WEBHOOK,
        SLACK,
        EMAIL;

        public String yamlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind fromYaml(String s) {
            for (Kind k : values()) if (k.yamlName().equals(s)) return k;
            return null;
        }
    }

    public enum Event {
        TASK_FAILED,
        TASK_RETRY,
        RUN_FAILED,
        /** Opt-in per DAG channel: never sent unless a channel names it. */
        RUN_SUCCEEDED,
        DEADLINE_MISSED;

        public String yamlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Event fromYaml(String s) {
            for (Event e : values()) if (e.yamlName().equals(s)) return e;
            return null;
        }

        public static String names() {
            return String.join(
                    ", ", java.util.Arrays.stream(values()).map(Event::yamlName).toList());
        }
    }

    /**
     * One channel. {@code url} or {@code urlSecret} (the name of a secret, {@code SLUICE_SECRET_<name>} on the
     * scheduler, holding the URL: a Slack incoming-webhook URL is a credential) for webhook and slack; neither means
     * the server-wide URL. {@code to} for email; empty means {@code SLUICE_NOTIFY_EMAIL_TO}.
     */
    public record Channel(Kind kind, String url, String urlSecret, List<String> to, Set<Event> on) {
        private static final Pattern SECRET_NAME = Pattern.compile("[A-Za-z0-9_]+");
        private static final Pattern ADDRESS = Pattern.compile("[^@\\s,<>]+@[^@\\s,<>]+\\.[^@\\s,<>]+");

        public Channel {
            to = to == null ? List.of() : List.copyOf(to);
            on = on == null || on.isEmpty() ? DEFAULT_EVENTS : Set.copyOf(on);
        }

        public static Channel webhook(String url, Set<Event> on) {
            return new Channel(Kind.WEBHOOK, url, null, List.of(), on);
        }

        public static Channel slack(String url, Set<Event> on) {
            return new Channel(Kind.SLACK, url, null, List.of(), on);
        }

        /** A Slack channel whose incoming-webhook URL is the secret {@code secretName}. */
        public static Channel slackFromSecret(String secretName, Set<Event> on) {
            return new Channel(Kind.SLACK, null, secretName, List.of(), on);
        }

        public static Channel email(List<String> to, Set<Event> on) {
            return new Channel(Kind.EMAIL, null, null, to, on);
        }

        /**
         * What is wrong with this channel, by field ({@code url}, {@code url_secret}, {@code to[1]}...): the checks
         * the YAML parser and the Java builder share. Empty when it is fine.
         */
        public Map<String, String> problems() {
            Map<String, String> p = new LinkedHashMap<>();
            if (kind == null) {
                p.put("type", "is required (webhook, slack or email)");
                return p;
            }
            if (kind == Kind.EMAIL) {
                if (url != null) p.put("url", "an email channel has no url (use to)");
                if (urlSecret != null) p.put("url_secret", "an email channel has no url_secret (use to)");
                for (int i = 0; i < to.size(); i++) {
                    String a = to.get(i);
                    if (a == null || !ADDRESS.matcher(a).matches())
                        p.put(
                                "to[" + i + "]",
                                "expected an e-mail address such as ml-team@example.com, got '" + a + "'");
                }
            } else {
                if (!to.isEmpty()) p.put("to", "only an email channel has to");
                if (url != null && urlSecret != null) p.put("url_secret", "give url or url_secret, not both");
                if (url != null && !url.startsWith("http://") && !url.startsWith("https://"))
                    p.put("url", "expected an http:// or https:// URL, got '" + url + "'");
                if (urlSecret != null && !SECRET_NAME.matcher(urlSecret).matches())
                    p.put("url_secret", "expected a secret name (letters, digits, _), got '" + urlSecret + "'");
            }
            return p;
        }

        /** Events in a stable order, for the stored JSON. */
        List<String> eventNames() {
            List<String> names = new ArrayList<>();
            for (Event e : on) names.add(e.yamlName());
            names.sort(null);
            return names;
        }
    }
}
