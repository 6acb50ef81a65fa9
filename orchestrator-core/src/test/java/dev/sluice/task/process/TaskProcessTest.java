package dev.sluice.task.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.engine.Engine;
import dev.sluice.engine.Services;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task's processes end with it: when it ends, when it times out, and when the JVM that ran it is SIGKILLed. */
class TaskProcessTest {
    @TempDir
    Path dir;

    @Test
    void a_background_child_dies_when_its_task_ends() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            // The child even ignores SIGTERM: it gets SIGKILL after the grace.
            h.save(
                    e,
                    TestDags.dag(
                            "leaves_child",
                            1,
                            List.of(TestDags.task(
                                    "t",
                                    "shell",
                                    List.of(),
                                    Map.of(
                                            "command",
                                            "(trap '' TERM; sleep 300; touch " + dir.resolve("late") + ") & echo $! > "
                                                    + dir.resolve("child.pid") + "; echo started")))));
            long run = h.trigger(e, "leaves_child", Map.of());
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
            long child =
                    Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
            await().atMost(Duration.ofSeconds(10)).until(() -> !alive(child));
            assertThat(dir.resolve("late")).doesNotExist();
        }
    }

    @Test
    void a_timeout_kills_a_double_forked_sleeper_and_the_shell_runs_no_further_line() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            String command = "( (trap '' TERM; exec sleep 300) & echo $! > " + dir.resolve("orphan.pid") + " )\n"
                    + "echo $$ > " + dir.resolve("shell.pid") + "\n"
                    + "sleep 300\n"
                    + "touch " + dir.resolve("next_line_ran");
            h.save(
                    e,
                    TestDags.dag(
                            "hangs",
                            1,
                            List.of(TestDags.withTimeout(
                                    TestDags.task("t", "shell", List.of(), Map.of("command", command)),
                                    Duration.ofSeconds(1)))));
            long run = h.trigger(e, "hangs", Map.of());
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
            assertThat(h.taskStates(run).get("t")).isEqualTo(TaskState.FAILED);
            assertThat(h.error(run, "t")).startsWith("timed out");
            long orphan =
                    Long.parseLong(Files.readString(dir.resolve("orphan.pid")).trim());
            long shell =
                    Long.parseLong(Files.readString(dir.resolve("shell.pid")).trim());
            await().atMost(Duration.ofSeconds(10)).until(() -> !alive(orphan) && !alive(shell));
            assertThat(dir.resolve("next_line_ran")).doesNotExist();
        }
    }

    @Test
    void a_cancel_stops_the_task_group() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            h.save(
                    e,
                    TestDags.dag(
                            "cancel_me",
                            1,
                            List.of(TestDags.task(
                                    "t",
                                    "shell",
                                    List.of(),
                                    Map.of(
                                            "command",
                                            "sleep 300 & echo $! > " + dir.resolve("bg.pid") + "; sleep 300")))));
            long run = h.trigger(e, "cancel_me", Map.of());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(dir.resolve("bg.pid"))
                            && !Files.readString(dir.resolve("bg.pid")).isBlank());
            long bg = Long.parseLong(Files.readString(dir.resolve("bg.pid")).trim());
            e.control().cancel(run);
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.CANCELLED);
            await().atMost(Duration.ofSeconds(10)).until(() -> !alive(bg));
        }
    }

    @Test
    void the_task_group_dies_when_the_jvm_that_started_it_is_killed() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine parent =
                    new Engine(h.db, h.types, h.config().withWorkerId("parent"), Clock.systemUTC(), new Services());
            try {
                h.save(
                        parent,
                        TestDags.dag(
                                "orphaned",
                                1,
                                List.of(TestDags.task(
                                        "t",
                                        "shell",
                                        List.of(),
                                        Map.of(
                                                "command",
                                                "(trap '' TERM HUP; sleep 300) & echo \"$$ $!\" > "
                                                        + dir.resolve("pids.tmp") + " && mv " + dir.resolve("pids.tmp")
                                                        + " " + dir.resolve("pids") + "; sleep 300")))));
                h.trigger(parent, "orphaned", Map.of());
                Process child = h.childWorker("doomed", Map.of());
                long[] pids;
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("pids")));
                    pids = java.util.Arrays.stream(
                                    Files.readString(dir.resolve("pids")).trim().split(" "))
                            .mapToLong(Long::parseLong)
                            .toArray();
                    assertThat(alive(pids[0]) && alive(pids[1])).isTrue();
                } finally {
                    child.destroyForcibly(); // SIGKILL: no shutdown hook runs
                    child.waitFor();
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> !alive(pids[0]) && !alive(pids[1]));
            } finally {
                parent.close();
            }
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !zombie(pid);
    }

    /** A killed process whose parent is gone waits as a zombie until init reaps it: it is dead all the same. */
    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (Exception e) {
            return true;
        }
    }
}
