package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import dev.sluice.testing.WorkerMain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A worker process killed with SIGKILL mid-task: its heartbeat stops, its task is retried elsewhere, the run completes. */
class WorkerCrashTest {

    @Test
    void task_of_a_worker_killed_mid_task_is_retried_and_the_run_completes() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine survivor = new Engine(
                    h.db, h.types, h.config().withWorkerId("survivor"), java.time.Clock.systemUTC(), new Services());
            h.save(
                    survivor,
                    TestDags.dag(
                            "crash",
                            10,
                            List.of(
                                    TestDags.withRetries(
                                            TestDags.task(
                                                    "long",
                                                    "shell",
                                                    List.of(),
                                                    Map.of("command", "sleep 2; echo done")),
                                            1,
                                            Duration.ofMillis(10),
                                            dev.sluice.dag.RetryBackoff.FIXED),
                                    TestDags.task("after", "noop", List.of("long"), Map.of()))));
            long run = h.trigger(survivor, "crash", Map.of());

            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            WorkerMain.class.getName(),
                            h.db.url(),
                            "postgres",
                            "",
                            h.home.toString(),
                            "doomed")
                    .redirectErrorStream(true)
                    .redirectOutput(h.home.resolve("doomed.log").toFile())
                    .start();
            try {
                for (int i = 0; i < 1000 && !"doomed".equals(workerOf(h, run)); i++) Thread.sleep(20);
                assertThat(workerOf(h, run))
                        .as("the child worker claimed the task")
                        .isEqualTo("doomed");
                assertThat(h.taskStates(run).get("long")).isEqualTo(TaskState.RUNNING);
            } finally {
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye
                child.waitFor();
            }
            try {
                survivor.start();
                assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
                assertThat(h.attemptStates(run, "long")).containsExactly("lost", "success");
                assertThat(workerOf(h, run)).isEqualTo("survivor");
                assertThat(h.db.dsl()
                                .fetchValue(
                                        "select a.error from attempt a join task_instance t on t.id = a.task_instance_id"
                                                + " where t.run_id = ? and t.task_id = 'long' and a.try_number = 1",
                                        run)
                                .toString())
                        .contains("doomed stopped heartbeating");
            } finally {
                survivor.close();
            }
        }
    }

    private static String workerOf(EngineHarness h, long run) {
        Object w =
                h.db.dsl().fetchValue("select worker_id from task_instance where run_id = ? and task_id = 'long'", run);
        return w == null ? null : w.toString();
    }
}
