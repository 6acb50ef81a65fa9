package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.run.RunState;
import dev.sluice.store.LogStore;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WakeUpAndLogsTest {

    @Test
    void a_worker_in_another_engine_is_woken_by_notify_not_by_polling() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            // the worker polls only every 30 s: finishing within a second proves LISTEN/NOTIFY woke it
            Engine worker = h.engine(
                    h.config().withPollInterval(Duration.ofSeconds(30)).withWorkerId("listener"), Clock.systemUTC());
            Engine api = h.engine(
                    h.config()
                            .withoutWorker()
                            .withPollInterval(Duration.ofSeconds(30))
                            .withWorkerId("api"),
                    Clock.systemUTC());
            h.save(api, TestDags.linear("notify_me", 3, "noop", Map.of()));
            Thread.sleep(300); // let the worker settle into its long wait
            Instant t0 = Instant.now();
            long run = h.trigger(api, "notify_me", Map.of());
            assertThat(h.awaitRun(run, Duration.ofSeconds(10))).isEqualTo(RunState.SUCCESS);
            assertThat(Duration.between(t0, Instant.now())).isLessThan(Duration.ofSeconds(2));
            assertThat(h.db.dsl().fetchValue("select count(distinct worker_id) from attempt"))
                    .isEqualTo(1L);
        }
    }

    @Test
    void an_attempt_log_can_be_read_while_the_task_runs_and_after() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            h.save(
                    e,
                    TestDags.dag(
                            "chatty",
                            1,
                            List.of(TestDags.task(
                                    "talk",
                                    "shell",
                                    List.of(),
                                    Map.of("command", "echo first line; sleep 1.5; echo second line >&2")))));
            long run = h.trigger(e, "chatty", Map.of());
            String path = null;
            for (int i = 0; i < 200 && path == null; i++) {
                Object p = h.db.dsl()
                        .fetchValue(
                                "select a.log_path from attempt a join task_instance t on t.id = a.task_instance_id where t.run_id = ?",
                                run);
                path = p == null ? null : p.toString();
                Thread.sleep(20);
            }
            LogStore.Chunk partial = null;
            for (int i = 0; i < 100; i++) {
                partial = LogStore.read(Path.of(path), 0, 1 << 16);
                if (partial.text().contains("first line")) break;
                Thread.sleep(20);
            }
            assertThat(h.runState(run)).isEqualTo(RunState.RUNNING);
            assertThat(partial.text()).contains("first line").doesNotContain("second line");
            assertThat(h.awaitRun(run, Duration.ofSeconds(10))).isEqualTo(RunState.SUCCESS);
            LogStore.Chunk rest = LogStore.read(Path.of(path), partial.nextOffset(), 1 << 16);
            assertThat(rest.text()).isEqualTo("second line\n");
        }
    }
}
