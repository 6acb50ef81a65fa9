package dev.sluice.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dag.DagBuilder;
import dev.sluice.dag.Notifications.Channel;
import dev.sluice.dag.Notifications.Event;
import dev.sluice.engine.Engine;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Events queued by the engine's transactions and delivered from the outbox to real receivers: the JSON webhook,
 * a Slack-format webhook on a local HTTP server, e-mail on a local SMTP server. A failing channel never hurts a run.
 */
class NotificationDeliveryTest {
    static EngineHarness h;
    static Engine engine;
    static NotificationOutbox outbox;
    static NotificationReceivers rx;

    @BeforeAll
    static void start() throws Exception {
        rx = new NotificationReceivers();
        h = new EngineHarness();
        engine = h.engine();
        var settings = NotificationSettings.none("http://sluice.example/")
                .withSmtp(rx.smtp())
                .withRetries(3, Duration.ofMillis(50));
        outbox = new NotificationOutbox(
                        h.db,
                        settings,
                        engine.graphs()::dag,
                        "node-a",
                        Duration.ofMillis(50),
                        name -> name.equals("slack_secret") ? rx.url("/broken/T0KEN-IN-PATH") : null)
                .start();
    }

    @AfterAll
    static void stop() {
        outbox.close();
        h.close();
        rx.close();
    }

    static List<Map<String, Object>> hooksOf(String dagId) {
        return rx.hooks.stream().filter(m -> dagId.equals(m.get("dag_id"))).toList();
    }

    @Test
    void a_failing_task_posts_retry_failure_and_run_failure_to_the_json_webhook() throws Exception {
        h.save(
                engine,
                DagBuilder.dag("hooked")
                        .notifications(rx.url("/hook"), Event.TASK_FAILED, Event.TASK_RETRY, Event.RUN_FAILED)
                        .task(
                                "boom",
                                "scripted",
                                t -> t.retries(1).retryDelay("50ms").config("fail_attempts", 9))
                        .build(h.types));
        long run = h.trigger(engine, "hooked", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);

        await().atMost(Duration.ofSeconds(10)).until(() -> hooksOf("hooked").size() == 3);
        var events = hooksOf("hooked");
        assertThat(events)
                .extracting(m -> m.get("event"))
                .containsExactlyInAnyOrder("task_retry", "task_failed", "run_failed");
        var failed = events.stream()
                .filter(m -> m.get("event").equals("task_failed"))
                .findFirst()
                .orElseThrow();
        assertThat(failed).containsEntry("task_id", "boom").containsEntry("try_number", 2);
        assertThat((String) failed.get("error")).contains("scripted failure on attempt 2");
        String runId = (String) failed.get("run_id");
        assertThat(runId).startsWith("manual__");
        assertThat(failed.get("logical_date")).isEqualTo(runId.substring("manual__".length()));
        assertThat((String) failed.get("link"))
                .startsWith("http://sluice.example/ui/#/dags/hooked/runs/manual__")
                .endsWith("/tasks/boom");
        // Nothing is sent twice: the outbox rows are all delivered.
        await().pollDelay(Duration.ofMillis(300)).until(() -> true);
        assertThat(hooksOf("hooked")).hasSize(3);
        assertThat(states("hooked")).containsOnly("sent");
    }

    @Test
    void a_slack_channel_gets_text_and_blocks_naming_the_dag_run_and_task() throws Exception {
        h.save(
                engine,
                DagBuilder.dag("slacked")
                        .notify(Channel.slack(rx.url("/slack"), Set.of(Event.TASK_FAILED, Event.RUN_FAILED)))
                        .task("explode", "scripted", t -> t.config("fail_attempts", 1))
                        .build(h.types));
        long run = h.trigger(engine, "slacked", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        String runId = h.db.dsl()
                .fetchValue("select run_id from dag_run where id = ?", run)
                .toString();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> rx.slack.stream()
                                .filter(m -> ((String) m.get("text")).contains("slacked"))
                                .count()
                        == 2);
        var taskMessage = rx.slack.stream()
                .filter(m -> ((String) m.get("text")).startsWith("Task explode of DAG slacked failed"))
                .findFirst()
                .orElseThrow();
        assertThat((String) taskMessage.get("text")).contains(runId);
        @SuppressWarnings("unchecked")
        var blocks = (List<Map<String, Object>>) taskMessage.get("blocks");
        assertThat(blocks).extracting(b -> b.get("type")).containsExactly("section", "section", "context");
        @SuppressWarnings("unchecked")
        var first = (Map<String, Object>) blocks.get(0).get("text");
        assertThat(first).containsEntry("type", "mrkdwn");
        assertThat((String) first.get("text"))
                .contains("DAG: `slacked`")
                .contains("Run: `" + runId + "`")
                .contains("Task: `explode`");
        @SuppressWarnings("unchecked")
        var error = (Map<String, Object>) blocks.get(1).get("text");
        assertThat((String) error.get("text")).contains("scripted failure on attempt 1");
        @SuppressWarnings("unchecked")
        var context = (List<Map<String, Object>>) blocks.get(2).get("elements");
        assertThat((String) context.get(0).get("text"))
                .startsWith("<http://sluice.example/ui/#/dags/slacked/runs/")
                .endsWith("/tasks/explode|Open in Sluice>");
        assertThat(rx.slackContentTypes).allMatch(t -> t.startsWith("application/json"));
    }

    @Test
    void a_failing_channel_is_retried_then_given_up_and_neither_the_run_nor_other_channels_suffer() throws Exception {
        long givenUpBefore = outbox.givenUp();
        int brokenBefore = rx.brokenCalls.get();
        h.save(
                engine,
                DagBuilder.dag("hook_broken")
                        .notify(Channel.webhook(rx.url("/broken"), Set.of(Event.TASK_RETRY)))
                        .notify(Channel.webhook(rx.url("/hook"), Set.of(Event.TASK_RETRY)))
                        .task(
                                "flaky",
                                "scripted",
                                t -> t.retries(1).retryDelay("50ms").config("fail_attempts", 1))
                        .build(h.types));
        long run = h.trigger(engine, "hook_broken", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        await().atMost(Duration.ofSeconds(10)).until(() -> states("hook_broken").equals(List.of("failed")));
        assertThat(rx.brokenCalls.get() - brokenBefore).isEqualTo(3);
        // The working channel got it once, not once per retry of the broken one.
        assertThat(hooksOf("hook_broken")).hasSize(1);
        assertThat(outbox.givenUp() - givenUpBefore).isEqualTo(1);
        String lastError = h.db.dsl()
                .fetchValue("select last_error from notification where dag_id = 'hook_broken'")
                .toString();
        assertThat(lastError).contains("notifications[0]").contains("HTTP 500");
    }

    @Test
    void run_succeeded_is_sent_only_to_dags_that_opted_in() throws Exception {
        h.save(
                engine,
                DagBuilder.dag("cheered")
                        .notify(Channel.webhook(rx.url("/hook"), Set.of(Event.RUN_SUCCEEDED)))
                        .task("fine", "scripted")
                        .build(h.types));
        h.save(
                engine,
                DagBuilder.dag("silent_success")
                        .notify(Channel.webhook(rx.url("/hook"), Set.of(Event.RUN_FAILED)))
                        .task("fine", "scripted")
                        .build(h.types));
        long a = h.trigger(engine, "cheered", Map.of());
        long b = h.trigger(engine, "silent_success", Map.of());
        assertThat(h.awaitRun(a, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.awaitRun(b, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        await().atMost(Duration.ofSeconds(10)).until(() -> hooksOf("cheered").size() == 1);
        assertThat(hooksOf("cheered").get(0)).containsEntry("event", "run_succeeded");
        // No outbox row at all for a DAG that did not ask: successful runs cost nothing.
        assertThat(states("silent_success")).isEmpty();
    }

    @Test
    void an_email_channel_sends_through_smtp_with_the_login_from_a_secret() throws Exception {
        int before = rx.messages().size();
        h.save(
                engine,
                DagBuilder.dag("mailed")
                        .notify(Channel.email(List.of("oncall@example.com"), Set.of(Event.RUN_FAILED)))
                        .task("boom", "scripted", t -> t.config("fail_attempts", 1))
                        .build(h.types));
        long run = h.trigger(engine, "mailed", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        String runId = h.db.dsl()
                .fetchValue("select run_id from dag_run where id = ?", run)
                .toString();
        await().atMost(Duration.ofSeconds(10)).until(() -> rx.messages().size() > before);
        var m = rx.messages().get(rx.messages().size() - 1);
        assertThat(NotificationReceivers.subject(m)).isEqualTo("[Sluice] DAG mailed run " + runId + " failed");
        assertThat(m.getAllRecipients()[0].toString()).isEqualTo("oncall@example.com");
        assertThat(m.getFrom()[0].toString()).isEqualTo("sluice@example.com");
    }

    @Test
    void a_url_from_a_secret_never_reaches_the_recorded_error() throws Exception {
        h.save(
                engine,
                DagBuilder.dag("secret_slack")
                        .notify(Channel.slackFromSecret("slack_secret", Set.of(Event.RUN_FAILED)))
                        .task("boom", "scripted", t -> t.config("fail_attempts", 1))
                        .build(h.types));
        long run = h.trigger(engine, "secret_slack", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> states("secret_slack").equals(List.of("skipped", "failed")));
        String lastError = h.db.dsl()
                .fetchValue("select last_error from notification where dag_id = 'secret_slack' and state = 'failed'")
                .toString();
        // The same text is what the WARN line logs.
        assertThat(lastError).contains("HTTP 500").contains("127.0.0.1").doesNotContain("T0KEN-IN-PATH");
    }

    @Test
    void a_channel_with_nowhere_to_send_is_given_up_at_once_saying_why() throws Exception {
        h.save(
                engine,
                DagBuilder.dag("unaddressed")
                        .notify(Channel.webhook(null, Set.of(Event.RUN_FAILED)))
                        .task("boom", "scripted", t -> t.config("fail_attempts", 1))
                        .build(h.types));
        long run = h.trigger(engine, "unaddressed", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        await().atMost(Duration.ofSeconds(10)).until(() -> states("unaddressed").contains("failed"));
        var row = h.db.dsl()
                .fetchOne("select attempts, last_error from notification where dag_id = 'unaddressed'"
                        + " and event = 'run_failed'");
        assertThat(row.get(0, Integer.class)).isEqualTo(1);
        assertThat(row.get(1, String.class))
                .contains("notifications[0]")
                .contains("nowhere to send")
                .contains("no server-wide URL");
    }

    @Test
    void runs_of_dags_test_notify_nobody() throws Exception {
        h.save(
                engine,
                DagBuilder.dag("tried_locally")
                        .notify(Channel.webhook(rx.url("/hook"), Set.of(Event.TASK_FAILED, Event.RUN_FAILED)))
                        .task("boom", "scripted", t -> t.config("fail_attempts", 1))
                        .build(h.types));
        var date = java.time.Instant.parse("2026-02-01T00:00:00Z");
        long run = engine.runs().createRun("tried_locally", "test", date, date, date, Map.of(), "cli");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(states("tried_locally")).isEmpty();
    }

    static List<String> states(String dagId) {
        return h.db.dsl()
                .fetch("select state from notification where dag_id = ? order by id", dagId)
                .getValues(0, String.class);
    }
}
