package dev.sluice.deadline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.engine.Engine;
import dev.sluice.notify.NotificationOutbox;
import dev.sluice.notify.NotificationReceivers;
import dev.sluice.notify.NotificationSettings;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.MutableClock;
import jakarta.mail.internet.MimeMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deadlines on real PostgreSQL, from YAML fixtures: misses are raised without stopping anything, notified through a
 * real SMTP server and a local Slack-format receiver, once per miss with two schedulers, and judged after a restart.
 */
class DeadlineTest {
    EngineHarness h;
    Engine engine;
    NotificationReceivers rx;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        rx = new NotificationReceivers();
        h = new EngineHarness();
        engine = h.engine();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
        h.close();
        rx.close();
    }

    /** One scheduler's share of the work: a deadline checker and an outbox sender. */
    void scheduler(String node, Engine e, Clock clock) {
        UnaryOperator<String> secrets = name -> name.equals("slack_hook") ? rx.url("/slack") : null;
        var settings = NotificationSettings.none("http://sluice.example")
                .withSmtp(rx.smtp())
                .withRetries(3, Duration.ofMillis(50));
        closing.add(
                new NotificationOutbox(h.db, settings, e.graphs()::dag, node, Duration.ofMillis(20), secrets).start());
        closing.add(new DeadlineChecker(h.db, clock, Duration.ofMillis(20)).start());
    }

    String runId(long runKey) {
        return h.db.dsl()
                .fetchValue("select run_id from dag_run where id = ?", runKey)
                .toString();
    }

    List<MimeMessage> mailsAbout(String dagId) {
        return rx.messages().stream()
                .filter(m -> NotificationReceivers.subject(m).contains("DAG " + dagId + " "))
                .toList();
    }

    List<String> deadlineStates(long runKey) {
        return h.db.dsl()
                .fetch(
                        "select coalesce(task_id, '(run)') || '=' || state from run_deadline where run_id = ?"
                                + " order by task_id nulls first",
                        runKey)
                .getValues(0, String.class);
    }

    @Test
    void a_run_deadline_from_queued_is_mailed_when_missed_and_the_run_still_succeeds() throws Exception {
        scheduler("node-a", engine, Clock.systemUTC());
        String dag = h.fixture(engine, "dag_deadline_from_queued_missed_by_slow_task");
        long run = h.trigger(engine, dag, Map.of());
        String runId = runId(run);

        await().atMost(Duration.ofSeconds(10)).until(() -> mailsAbout(dag).size() == 1);
        // Raised while the run was still going: the miss does not wait for the end, nor stop anything.
        assertThat(h.runState(run)).isEqualTo(RunState.RUNNING);
        MimeMessage m = mailsAbout(dag).get(0);
        assertThat(NotificationReceivers.subject(m))
                .startsWith("[Sluice] DAG deadline_run_queued run " + runId + " missed its deadline");
        assertThat(NotificationReceivers.body(m))
                .contains("Event:        deadline_missed")
                .contains("DAG:          deadline_run_queued")
                .contains("Run:          " + runId)
                .contains("Due at:")
                .contains("http://sluice.example/ui/#/dags/deadline_run_queued/runs/");
        assertThat(m.getAllRecipients()[0].toString()).isEqualTo("data-oncall@example.com");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(deadlineStates(run)).containsExactly("(run)=missed");
        // Due one second after the run was queued.
        var row = h.db.dsl()
                .fetchOne(
                        "select d.due_at, r.queued_at from run_deadline d join dag_run r on r.id = d.run_id"
                                + " where d.run_id = ?",
                        run);
        assertThat(Duration.between(
                        row.get(1, OffsetDateTime.class).toInstant(),
                        row.get(0, OffsetDateTime.class).toInstant()))
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void a_task_deadline_is_sent_to_slack_naming_the_task_and_the_run_goes_on() throws Exception {
        scheduler("node-a", engine, Clock.systemUTC());
        String dag = h.fixture(engine, "task_deadline_missed_while_run_goes_on");
        long run = h.trigger(engine, dag, Map.of());
        String runId = runId(run);

        await().atMost(Duration.ofSeconds(10)).until(() -> !rx.slack.isEmpty());
        var message = rx.slack.get(0);
        assertThat((String) message.get("text"))
                .startsWith("Task slow of DAG deadline_task missed its deadline")
                .endsWith("in run " + runId);
        assertThat(message.get("blocks").toString()).contains("Task: `slow`");
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(run).get("after").name()).isEqualTo("SUCCESS");
        // The quick task's deadline is still pending (due in 30s); judged later, it will be met.
        assertThat(deadlineStates(run)).containsExactly("quick=pending", "slow=missed");
        assertThat(rx.slack).hasSize(1);
    }

    @Test
    void deadlines_met_on_time_raise_nothing() throws Exception {
        String dag = h.fixture(engine, "deadline_met_on_time");
        long run = h.trigger(engine, dag, Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        // Judged as if two minutes had passed: both deadlines are due, and both were met.
        var later = new MutableClock(Instant.now().plus(Duration.ofMinutes(2)));
        var checker = new DeadlineChecker(h.db, later, Duration.ofSeconds(1));
        assertThat(checker.checkNow()).isEmpty();
        assertThat(deadlineStates(run)).containsExactly("(run)=met", "quick=met");
        assertThat(h.db.dsl().fetchCount(h.db.dsl().selectFrom("notification"))).isZero();
    }

    @Test
    void a_deadline_counts_from_the_logical_date_by_default() throws Exception {
        scheduler("node-a", engine, Clock.systemUTC());
        String dag = h.fixture(engine, "deadline_from_logical_date");
        long run = h.trigger(engine, dag, Map.of());
        // The harness's logical dates are in early 2026: an hour after them is long gone, however fast the run.
        await().atMost(Duration.ofSeconds(10)).until(() -> mailsAbout(dag).size() == 1);
        var row = h.db.dsl()
                .fetchOne(
                        "select d.due_at, r.logical_date from run_deadline d join dag_run r on r.id = d.run_id"
                                + " where d.run_id = ?",
                        run);
        assertThat(Duration.between(
                        row.get(1, OffsetDateTime.class).toInstant(),
                        row.get(0, OffsetDateTime.class).toInstant()))
                .isEqualTo(Duration.ofHours(1));
    }

    @Test
    void a_deadline_that_passed_while_no_scheduler_ran_is_reported_at_the_next_start() throws Exception {
        String late = h.fixture(engine, "deadline_many_runs_two_schedulers");
        String onTime = h.fixture(engine, "deadline_met_on_time");
        long lateRun = h.trigger(engine, late, Map.of());
        long onTimeRun = h.trigger(engine, onTime, Map.of());
        // No scheduler checks deadlines while both runs finish: the late one ended after its deadline.
        assertThat(h.awaitRun(lateRun, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.awaitRun(onTimeRun, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(deadlineStates(lateRun)).containsExactly("(run)=pending");

        scheduler("node-after-restart", engine, Clock.systemUTC());
        await().atMost(Duration.ofSeconds(10)).until(() -> mailsAbout(late).size() == 1);
        assertThat(NotificationReceivers.subject(mailsAbout(late).get(0))).contains(runId(lateRun));
        assertThat(deadlineStates(lateRun)).containsExactly("(run)=missed");
        assertThat(deadlineStates(onTimeRun)).containsExactly("(run)=pending", "quick=pending");
    }

    @Test
    void with_two_schedulers_on_one_database_each_miss_is_raised_and_mailed_exactly_once() throws Exception {
        Engine second = h.engine();
        scheduler("node-a", engine, Clock.systemUTC());
        scheduler("node-b", second, Clock.systemUTC());
        String dag = h.fixture(engine, "deadline_many_runs_two_schedulers");
        int runs = 12;
        List<Long> keys = new ArrayList<>();
        for (int i = 0; i < runs; i++) keys.add(h.trigger(i % 2 == 0 ? engine : second, dag, Map.of()));
        for (long k : keys) assertThat(h.awaitRun(k, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);

        await().atMost(Duration.ofSeconds(15)).until(() -> mailsAbout(dag).size() >= runs);
        await().pollDelay(Duration.ofMillis(500)).until(() -> true);
        var subjects =
                mailsAbout(dag).stream().map(NotificationReceivers::subject).toList();
        assertThat(subjects).hasSize(runs);
        assertThat(new HashSet<>(subjects)).hasSize(runs);
        for (long k : keys) assertThat(subjects).anyMatch(s -> s.contains(runId(k)));
        assertThat(h.db.dsl()
                        .fetch("select state, count(*) from notification where dag_id = ? group by state", dag)
                        .intoMap(0, 1))
                .isEqualTo(Map.of("sent", (long) runs));
    }
}
