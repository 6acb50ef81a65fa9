package dev.sluice.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dag.Dag;
import dev.sluice.dag.DagBuilder;
import dev.sluice.dag.DagError;
import dev.sluice.dag.DagJson;
import dev.sluice.dag.DagValidationException;
import dev.sluice.dag.Deadline;
import dev.sluice.dag.Notifications;
import dev.sluice.dag.Notifications.Channel;
import dev.sluice.dag.Notifications.Event;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.task.TaskTypeRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code notifications:} and {@code deadline:} in DAG files and the Java builder, and how they are stored. */
class NotificationDagConfigTest {
    static final TaskTypeRegistry TYPES = TaskTypeRegistry.discover();
    static final YamlDagParser PARSER = new YamlDagParser(TYPES);

    static final String FULL = """
            id: watched
            deadline: {within: 2h, from: queued}
            notifications:
              - type: webhook
                url: https://hooks.example/sluice
                on: [task_failed, task_retry]
              - type: slack
                url_secret: slack_ml_alerts
                on: [deadline_missed, run_failed, run_succeeded]
              - type: email
                to: [ml-oncall@example.com, lead@example.com]
            tasks:
              - id: train
                type: noop
                deadline: {within: 90m}
              - id: report
                type: noop
                depends_on: [train]
            """;

    @Test
    void channels_and_deadlines_are_read_and_survive_the_stored_json() {
        Dag dag = PARSER.parse(FULL, "watched.yaml");
        assertThat(dag.deadline()).isEqualTo(new Deadline(Duration.ofHours(2), Deadline.From.QUEUED));
        assertThat(dag.task("train").deadline())
                .isEqualTo(new Deadline(Duration.ofMinutes(90), Deadline.From.LOGICAL_DATE));
        assertThat(dag.task("report").deadline()).isNull();
        assertThat(dag.notifications().channels())
                .containsExactly(
                        Channel.webhook("https://hooks.example/sluice", Set.of(Event.TASK_FAILED, Event.TASK_RETRY)),
                        Channel.slackFromSecret(
                                "slack_ml_alerts",
                                Set.of(Event.DEADLINE_MISSED, Event.RUN_FAILED, Event.RUN_SUCCEEDED)),
                        Channel.email(List.of("ml-oncall@example.com", "lead@example.com"), null));
        assertThat(dag.notifications().channels().get(2).on())
                .containsExactlyInAnyOrder(Event.TASK_FAILED, Event.RUN_FAILED, Event.DEADLINE_MISSED);
        assertThat(DagJson.fromJson(DagJson.toJson(dag))).isEqualTo(dag);
    }

    @Test
    void the_java_builder_gives_the_same_dag() {
        Dag built = DagBuilder.dag("watched")
                .deadline("2h", Deadline.From.QUEUED)
                .notify(Channel.webhook("https://hooks.example/sluice", Set.of(Event.TASK_FAILED, Event.TASK_RETRY)))
                .notify(Channel.slackFromSecret(
                        "slack_ml_alerts", Set.of(Event.DEADLINE_MISSED, Event.RUN_FAILED, Event.RUN_SUCCEEDED)))
                .notify(Channel.email(List.of("ml-oncall@example.com", "lead@example.com"), null))
                .task("train", "noop", t -> t.deadline("90m", Deadline.From.LOGICAL_DATE))
                .task("report", "noop", t -> t.dependsOn("train"))
                .build(TYPES);
        assertThat(built).isEqualTo(PARSER.parse(FULL, "watched.yaml"));
    }

    @Test
    void the_older_single_webhook_form_still_reads_and_keeps_its_stored_form() {
        Dag dag = PARSER.parse("""
                id: notified
                notifications:
                  webhook_url: https://hooks.example/sluice
                  on: [task_failed, task_retry]
                tasks:
                  - id: a
                    type: noop
                """, "notified.yaml");
        assertThat(dag.notifications())
                .isEqualTo(
                        new Notifications("https://hooks.example/sluice", Set.of(Event.TASK_FAILED, Event.TASK_RETRY)));
        assertThat(DagJson.toJson(dag))
                .contains("\"notifications\":{\"webhook_url\":\"https://hooks.example/sluice\","
                        + "\"on\":[\"task_failed\",\"task_retry\"]}");
        assertThat(DagJson.fromJson(DagJson.toJson(dag))).isEqualTo(dag);
    }

    @Test
    void without_the_blocks_the_stored_json_is_unchanged() {
        Dag dag = PARSER.parse("id: plain\ntasks:\n  - id: a\n    type: noop\n", "plain.yaml");
        assertThat(dag.notifications()).isEqualTo(Notifications.NONE);
        assertThat(dag.deadline()).isNull();
        assertThat(DagJson.toJson(dag)).doesNotContain("notifications").doesNotContain("deadline");
    }

    @Test
    void bad_values_are_reported_with_file_line_and_field_before_anything_runs() {
        String yaml = """
                id: bad
                deadline: {within: soon, from: yesterday}
                notifications:
                  - type: pager
                  - type: slack
                    url: https://hooks.slack.example/x
                    url_secret: also
                  - type: email
                    to: [not-an-address]
                  - type: webhook
                    url: ftp://nope
                    on: [task_exploded]
                tasks:
                  - id: a
                    type: noop
                    deadline: {within: 0s}
                  - id: b
                    type: noop
                    deadline: 2h
                  - id: c
                    type: noop
                    deadline: {within: 400d}
                """;
        assertThatThrownBy(() -> PARSER.parse(yaml, "bad.yaml"))
                .isInstanceOf(DagValidationException.class)
                .satisfies(ex -> {
                    List<String> errors = ((DagValidationException) ex)
                            .errors().stream().map(DagError::toString).toList();
                    assertThat(errors)
                            .anyMatch(e -> e.startsWith("bad.yaml:2: deadline.within: bad duration \"soon\""))
                            .anyMatch(
                                    e -> e.startsWith("bad.yaml:2: deadline.from: unknown deadline start 'yesterday'"))
                            .anyMatch(e ->
                                    e.startsWith("bad.yaml:4: notifications[0].type: unknown channel type 'pager'"))
                            .anyMatch(e ->
                                    e.startsWith("bad.yaml:7: notifications[1].url_secret: give url or url_secret"))
                            .anyMatch(
                                    e -> e.startsWith("bad.yaml:9: notifications[2].to[0]: expected an e-mail address"))
                            .anyMatch(e -> e.startsWith("bad.yaml:11: notifications[3].url: expected an http"))
                            .anyMatch(e ->
                                    e.startsWith("bad.yaml:12: notifications[3].on[0]: unknown event 'task_exploded'"))
                            .anyMatch(e -> e.startsWith("bad.yaml:16: tasks[a].deadline.within: must be longer than 0"))
                            .anyMatch(e -> e.startsWith("bad.yaml:19: tasks[b].deadline: expected a mapping"))
                            .anyMatch(e -> e.startsWith("bad.yaml:22: tasks[c].deadline.within: must be at most 366d"));
                });
    }

    @Test
    void bad_server_wide_settings_are_refused_at_start_naming_the_variable() {
        assertThatThrownBy(() ->
                        NotificationSettings.fromEnvironment(java.util.Map.of("SLUICE_NOTIFY_ON", "run_failed,oops")))
                .hasMessageContaining("SLUICE_NOTIFY_ON")
                .hasMessageContaining("oops");
        assertThatThrownBy(() -> NotificationSettings.fromEnvironment(
                        java.util.Map.of("SLUICE_SMTP_HOST", "mail.example", "SLUICE_SMTP_PORT", "smtp")))
                .hasMessageContaining("SLUICE_SMTP_PORT");
        assertThatThrownBy(() -> NotificationSettings.fromEnvironment(
                        java.util.Map.of("SLUICE_SMTP_HOST", "mail.example", "SLUICE_SMTP_STARTTLS", "yes")))
                .hasMessageContaining("SLUICE_SMTP_STARTTLS");
        var ok = NotificationSettings.fromEnvironment(java.util.Map.of(
                "SLUICE_SMTP_HOST", "mail.example",
                "SLUICE_SMTP_USERNAME", "sluice",
                "SLUICE_SMTP_PASSWORD_SECRET", "smtp",
                "SLUICE_SLACK_WEBHOOK_URL", "https://hooks.slack.example/T000/B000/XXXX",
                "SLUICE_NOTIFY_EMAIL_TO", "a@example.com, b@example.com"));
        assertThat(ok.smtp().port()).isEqualTo(587);
        assertThat(ok.smtp().startTls()).isTrue();
        assertThat(ok.emailTo()).containsExactly("a@example.com", "b@example.com");
        // What start-up logs: no URL (a Slack URL is a credential), no secret.
        assertThat(ok.toString()).doesNotContain("XXXX").contains("slack=true");
    }

    @Test
    void the_builder_reports_bad_values_too() {
        assertThatThrownBy(() -> DagBuilder.dag("bad")
                        .deadline("later", Deadline.From.QUEUED)
                        .notify(Channel.email(List.of("nobody"), null))
                        .task("a", "noop", t -> t.deadline("0ms", null))
                        .build(TYPES))
                .isInstanceOf(DagValidationException.class)
                .hasMessageContaining("<java>:0: deadline.within: bad duration \"later\"")
                .hasMessageContaining("notifications[0].to[0]: expected an e-mail address")
                .hasMessageContaining("tasks[a].deadline.within: must be longer than 0");
    }
}
