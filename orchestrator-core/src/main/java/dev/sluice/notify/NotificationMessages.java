package dev.sluice.notify;

import dev.sluice.dag.Notifications.Event;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a notification says, per channel format: the JSON webhook's payload, a Slack message
 * ({@code {"text", "blocks"}}), an e-mail's subject and body. Every format names the DAG, the run and (for task
 * events and task deadlines) the task, and links to the dashboard.
 */
final class NotificationMessages {
    private static final int ERROR_LINES = 20;

    private final String baseUrl;

    NotificationMessages(String baseUrl) {
        this.baseUrl = trimSlash(baseUrl);
    }

    /** The JSON webhook's body: the fields it always had, plus {@code due_at} for a missed deadline. */
    Map<String, Object> webhookPayload(NotificationEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", e.event().yamlName());
        m.put("dag_id", e.dagId());
        m.put("run_id", e.runId());
        m.put("task_id", e.taskId());
        m.put("try_number", e.event() == Event.TASK_FAILED || e.event() == Event.TASK_RETRY ? e.tryNumber() : null);
        m.put("error", firstLines(e.error()));
        m.put("logical_date", e.logicalDate() == null ? null : e.logicalDate().toString());
        if (e.event() == Event.DEADLINE_MISSED)
            m.put("due_at", e.dueAt() == null ? null : e.dueAt().toString());
        m.put("link", link(e));
        return m;
    }

    /** A Slack incoming-webhook message: {@code text} for notifications, {@code blocks} for the channel. */
    Map<String, Object> slackPayload(NotificationEvent e) {
        String summary = summary(e);
        StringBuilder detail = new StringBuilder("*" + slackEscape(summary) + "*");
        detail.append("\nDAG: `").append(slackEscape(e.dagId())).append('`');
        if (e.runId() != null)
            detail.append("\nRun: `").append(slackEscape(e.runId())).append('`');
        if (e.taskId() != null)
            detail.append("\nTask: `").append(slackEscape(e.taskId())).append('`');
        if (e.dueAt() != null && e.event() == Event.DEADLINE_MISSED)
            detail.append("\nDue at: ").append(e.dueAt());
        List<Map<String, Object>> blocks = new ArrayList<>();
        blocks.add(Map.of("type", "section", "text", Map.of("type", "mrkdwn", "text", detail.toString())));
        String error = firstLines(e.error());
        if (error != null && !error.isBlank())
            blocks.add(Map.of(
                    "type",
                    "section",
                    "text",
                    Map.of("type", "mrkdwn", "text", "```" + slackEscape(truncate(error, 2500)) + "```")));
        blocks.add(Map.of(
                "type",
                "context",
                "elements",
                List.of(Map.of("type", "mrkdwn", "text", "<" + link(e) + "|Open in Sluice>"))));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", summary);
        m.put("blocks", blocks);
        return m;
    }

    String emailSubject(NotificationEvent e) {
        return "[Sluice] " + summary(e);
    }

    String emailBody(NotificationEvent e) {
        StringBuilder b = new StringBuilder(summary(e)).append("\n\n");
        b.append("Event:        ").append(e.event().yamlName()).append('\n');
        b.append("DAG:          ").append(e.dagId()).append('\n');
        if (e.runId() != null) b.append("Run:          ").append(e.runId()).append('\n');
        if (e.taskId() != null) b.append("Task:         ").append(e.taskId()).append('\n');
        if (e.tryNumber() != null && e.event() != Event.DEADLINE_MISSED && e.taskId() != null)
            b.append("Try:          ").append(e.tryNumber()).append('\n');
        if (e.logicalDate() != null)
            b.append("Logical date: ").append(e.logicalDate()).append('\n');
        if (e.event() == Event.DEADLINE_MISSED && e.dueAt() != null)
            b.append("Due at:       ").append(e.dueAt()).append('\n');
        String error = firstLines(e.error());
        if (error != null && !error.isBlank())
            b.append("\nError:\n").append(error).append('\n');
        b.append("\n").append(link(e)).append('\n');
        return b.toString();
    }

    /** One line that says what happened, naming the DAG, run and task. */
    static String summary(NotificationEvent e) {
        String run = e.runId() == null ? "a deleted run" : "run " + e.runId();
        return switch (e.event()) {
            case TASK_FAILED ->
                "Task " + e.taskId() + " of DAG " + e.dagId() + " failed (try " + e.tryNumber() + ") in " + run;
            case TASK_RETRY ->
                "Task " + e.taskId() + " of DAG " + e.dagId() + " failed try " + e.tryNumber()
                        + " and will be retried, in " + run;
            case RUN_FAILED -> "DAG " + e.dagId() + " " + run + " failed";
            case RUN_SUCCEEDED -> "DAG " + e.dagId() + " " + run + " succeeded";
            case DEADLINE_MISSED ->
                e.taskId() == null
                        ? "DAG " + e.dagId() + " " + run + " missed its deadline (" + e.dueAt() + ")"
                        : "Task " + e.taskId() + " of DAG " + e.dagId() + " missed its deadline (" + e.dueAt() + ") in "
                                + run;
        };
    }

    String link(NotificationEvent e) {
        if (e.runId() == null) return baseUrl + "/ui/#/dags/" + enc(e.dagId());
        return baseUrl + "/ui/#/dags/" + enc(e.dagId()) + "/runs/" + enc(e.runId())
                + (e.taskId() == null ? "" : "/tasks/" + enc(e.taskId()));
    }

    static String firstLines(String error) {
        if (error == null) return null;
        String[] lines = error.split("\n", ERROR_LINES + 1);
        if (lines.length <= ERROR_LINES) return error;
        return String.join("\n", Arrays.copyOf(lines, ERROR_LINES)) + "\n…";
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    /** Slack's mrkdwn treats these three as control characters. */
    private static String slackEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String trimSlash(String s) {
        return s == null ? "" : s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
