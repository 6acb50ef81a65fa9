package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A routine stop (a deploy) must not fail tasks: a stopping worker drains, then hands back without spending a try. */
class GracefulStopTest {

    @Test
    void a_task_without_retries_handed_back_by_a_stopping_worker_runs_again_elsewhere_and_succeeds() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine leaving = h.engine(
                    h.config().withWorkerId("leaving").withDrainTimeout(Duration.ofMillis(300)), Clock.systemUTC());
            h.save(
                    leaving,
                    TestDags.dag(
                            "deploy",
                            10,
                            List.of(
                                    TestDags.task("long", "shell", List.of(), Map.of("command", "sleep 3")),
                                    TestDags.task("after", "noop", List.of("long"), Map.of()))));
            long run = h.trigger(leaving, "deploy", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> h.taskStates(run).get("long") == TaskState.RUNNING);

            leaving.close(); // drains 300 ms, then hands the attempt back
            assertThat(h.taskStates(run).get("long")).isEqualTo(TaskState.QUEUED);

            Engine staying = h.engine(h.config().withWorkerId("staying"), Clock.systemUTC());
            assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
            assertThat(h.attemptStates(run, "long")).containsExactly("handed_back", "success");
            assertThat(h.db.dsl()
                            .fetchValue(
                                    "select max_tries from task_instance where run_id = ? and task_id = 'long'", run))
                    .as("the handed-back attempt did not spend the task's only try")
                    .isEqualTo(2);
            staying.close();
        }
    }

    @Test
    void a_stopping_worker_lets_a_task_that_ends_within_the_drain_time_finish() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine leaving = h.engine(
                    h.config().withWorkerId("draining").withDrainTimeout(Duration.ofSeconds(20)), Clock.systemUTC());
            h.save(
                    leaving,
                    TestDags.dag(
                            "drain",
                            10,
                            List.of(TestDags.task("short", "shell", List.of(), Map.of("command", "sleep 1")))));
            long run = h.trigger(leaving, "drain", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> h.taskStates(run).get("short") == TaskState.RUNNING);
            leaving.close();
            assertThat(h.runState(run)).isEqualTo(RunState.SUCCESS);
            assertThat(h.attemptStates(run, "short")).containsExactly("success");
        }
    }
}
