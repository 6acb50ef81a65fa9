package dev.sluice.ml.spark;

import dev.sluice.task.TaskContext;
import dev.sluice.task.process.ProcessLauncher;
import dev.sluice.task.process.TaskCommand;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * After a cluster-mode submission was stopped (timeout, cancel): asks the cluster to kill the application, which
 * runs on without spark-submit. Best effort and bounded: the attempt is ending either way, so a kill that fails or
 * hangs is logged, not raised.
 */
final class ClusterKill {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private final ProcessLauncher launcher;

    ClusterKill(ProcessLauncher launcher) {
        this.launcher = launcher;
    }

    void kill(TaskContext ctx, SparkSubmit submit, Map<String, String> env) {
        boolean interrupted = Thread.interrupted(); // the stop that brought us here; restored below
        try {
            Optional<List<String>> kill = submit.killCommand(Files.readAllLines(ctx.logFile()));
            if (kill.isEmpty()) {
                ctx.log()
                        .printf(
                                "spark: the application may still run on %s: %s%n",
                                submit.master(),
                                submit.master().equals("yarn")
                                        ? "kill it with yarn application -kill <application id>"
                                        : "spark-submit printed no submission id to kill");
                return;
            }
            ctx.log().printf("spark: killing the application: %s%n", String.join(" ", kill.get()));
            ctx.log().flush();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    launcher.run(ctx, new TaskCommand(kill.get(), ctx.home(), env, Map.of()));
                } catch (Exception e) {
                    ctx.log().printf("spark: the kill failed: %s%n", e.getMessage());
                }
            });
            if (!t.join(LIMIT)) {
                t.interrupt(); // the launcher kills the kill command's process group
                ctx.log().printf("spark: the kill did not finish within %s s%n", LIMIT.toSeconds());
            }
        } catch (Exception e) {
            ctx.log().printf("spark: the application may still run: %s%n", e.getMessage());
        } finally {
            ctx.log().flush();
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
