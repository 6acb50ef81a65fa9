package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.run.RunState;
import dev.sluice.store.CappedLog;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The size cap on attempt logs and their retention, on a real engine and database. */
class AttemptLogLimitsTest {
    private static final long CAP = 1 << 20;

    private static String logPath(EngineHarness h, long run, String task) {
        Object p = h.db.dsl()
                .fetchValue(
                        "select a.log_path from attempt a join task_instance t on t.id = a.task_instance_id"
                                + " where t.run_id = ? and t.task_id = ? order by a.try_number desc limit 1",
                        run,
                        task);
        return p == null ? null : p.toString();
    }

    @Test
    void a_task_writing_a_gigabyte_is_cut_at_the_cap_and_the_node_stays_responsive() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine(h.config().withLogs(LogSettings.DEFAULTS.withMaxBytes(CAP)), Clock.systemUTC());
            h.save(
                    e,
                    TestDags.dag(
                            "flood",
                            1,
                            List.of(
                                    TestDags.task(
                                            "spew",
                                            "shell",
                                            List.of(),
                                            Map.of(
                                                    "command",
                                                    "echo start; head -c 1000000000 /dev/zero | tr '\\0' x; echo; echo done")))));
            h.save(e, TestDags.linear("quick", 1, "noop", Map.of()));
            long flood = h.trigger(e, "flood", Map.of());
            // Once the flood is past the cap, the worker is draining the pipe as fast as the task writes.
            await().atMost(Duration.ofSeconds(30)).until(() -> e.logStats().bytesCut() > 0);
            Instant t0 = Instant.now();
            long quick = h.trigger(e, "quick", Map.of());
            assertThat(h.awaitRun(quick, Duration.ofSeconds(10))).isEqualTo(RunState.SUCCESS);
            assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(3));

            assertThat(h.awaitRun(flood, Duration.ofSeconds(120))).isEqualTo(RunState.SUCCESS);
            Path log = Path.of(logPath(h, flood, "spew"));
            String marker = CappedLog.marker(CAP);
            assertThat(Files.size(log)).isBetween(CAP, CAP + marker.length() + 1);
            String tail = Files.readString(log).substring((int) CAP - 10);
            assertThat(tail).endsWith("\n" + marker).doesNotContain("done");
            assertThat(e.logStats().bytesCut()).isGreaterThanOrEqualTo(1_000_000_000L - CAP);
            assertThat(e.logStats().bytesWritten()).isGreaterThanOrEqualTo(CAP);
            assertThat(h.db.dsl()
                            .fetchValue(
                                    "select a.log_bytes from attempt a join task_instance t on t.id = a.task_instance_id"
                                            + " where t.run_id = ?",
                                    flood))
                    .isEqualTo(Files.size(log));
        }
    }

    @Test
    void a_shell_task_ends_when_its_command_does_not_after_the_stragglers_grace() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            h.save(e, TestDags.linear("brief", 3, "shell", Map.of("command", "echo hi")));
            Instant t0 = Instant.now();
            long run = h.trigger(e, "brief", Map.of());
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
            // Three shell tasks in a row: the pump sees end of file as soon as each command exits (the 2 s grace
            // for stragglers would make this take over 6 s).
            assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(4));
            assertThat(h.log(run, "t2")).isEqualTo("hi\n");
        }
    }

    @Test
    void lines_a_task_type_logs_count_toward_the_cap() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine(h.config().withLogs(LogSettings.DEFAULTS.withMaxBytes(100)), Clock.systemUTC());
            // The shell output fills the cap; the engine's own failure line (through TaskContext.log()) is cut.
            h.save(
                    e,
                    TestDags.dag(
                            "noisy",
                            1,
                            List.of(TestDags.task(
                                    "fail", "shell", List.of(), Map.of("command", "printf '%0200d' 0; exit 3")))));
            long run = h.trigger(e, "noisy", Map.of());
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
            String log = Files.readString(Path.of(logPath(h, run, "fail")));
            assertThat(log).isEqualTo("0".repeat(100) + "\n" + CappedLog.marker(100));
            assertThat(e.logStats().bytesCut()).isGreaterThan(100);
        }
    }

    @Test
    void retention_deletes_old_logs_then_the_oldest_past_the_total_and_never_a_running_one() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine(
                    h.config().withLogs(LogSettings.DEFAULTS.withRetention(Duration.ofDays(1), 150)),
                    Clock.systemUTC());
            h.save(
                    e,
                    TestDags.dag(
                            "talk",
                            4,
                            List.of(TestDags.task(
                                    "say", "shell", List.of(), Map.of("command", "printf '%099d\\n' 7")))));
            h.save(
                    e,
                    TestDags.dag(
                            "slow",
                            1,
                            List.of(TestDags.task(
                                    "wait", "shell", List.of(), Map.of("command", "echo waiting; sleep 30")))));
            long old = h.trigger(e, "talk", Map.of());
            long older = h.trigger(e, "talk", Map.of());
            long newer = h.trigger(e, "talk", Map.of());
            for (long r : List.of(old, older, newer))
                assertThat(h.awaitRun(r, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
            long slow = h.trigger(e, "slow", Map.of());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> h.log(slow, "wait").contains("waiting"));
            // "old" ended two days ago (past the age); "older" an hour before "newer": first to go past the total.
            h.db.dsl()
                    .execute(
                            "update attempt set ended_at = now() - interval '2 days' where task_instance_id in"
                                    + " (select id from task_instance where run_id = ?)",
                            old);
            h.db.dsl()
                    .execute(
                            "update attempt set ended_at = now() - interval '2 hours' where task_instance_id in"
                                    + " (select id from task_instance where run_id = ?)",
                            older);
            // Even a running attempt whose file looks ancient keeps its log.
            Path running = Path.of(logPath(h, slow, "wait"));
            Files.setLastModifiedTime(
                    running, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofDays(5))));
            Path oldFile = Path.of(logPath(h, old, "say")),
                    olderFile = Path.of(logPath(h, older, "say")),
                    newerFile = Path.of(logPath(h, newer, "say"));

            assertThat(e.sweepLogs()).isEqualTo(2);
            assertThat(oldFile).doesNotExist();
            assertThat(olderFile).doesNotExist();
            assertThat(newerFile).exists();
            assertThat(running).exists();
            assertThat(removedAt(h, old)).isNotNull();
            assertThat(removedAt(h, older)).isNotNull();
            assertThat(removedAt(h, newer)).isNull();
            assertThat(removedAt(h, slow)).isNull();
            // A second sweep (or another node's) finds nothing more to do.
            assertThat(e.sweepLogs()).isZero();
            e.control().cancel(slow);
        }
    }

    private static Object removedAt(EngineHarness h, long run) {
        return h.db.dsl()
                .fetchValue(
                        "select a.log_removed_at from attempt a join task_instance t on t.id = a.task_instance_id"
                                + " where t.run_id = ?",
                        run);
    }
}
