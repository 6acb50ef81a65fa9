package dev.sluice.ml.spark;

import dev.sluice.ml.python.SdkAttempt;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.process.ProcessLauncher;
import dev.sluice.task.process.ProcessOutcome;
import dev.sluice.task.process.TaskCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PySpark driver that Sluice itself ships (ml.predict's scoring job), run by the machinery of the {@code spark}
 * task: the same installation lookup (spark_home, {@value SparkInstallation#SPARK_HOME_SETTING}, the pyspark of the
 * Python), Java, log streaming, kill on cancel and timeout, the driver's error in the failure, and the SDK hand-off
 * (a {@code sluice.write_dataset} folder of part files becomes one dataset artifact). Always client mode: the driver
 * writes the output into the attempt folder on this worker.
 */
public final class PySparkJob {
    /** The settings a task may give for the job, in a map field of its own. */
    public static final Set<String> SETTINGS = Set.of("master", "conf", "spark_home", "python", "java_home");

    private PySparkJob() {}

    /** Problems of a settings map, each naming {@code field}.key. */
    public static List<String> validate(String field, Map<?, ?> settings) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<?, ?> e : settings.entrySet()) {
            String k = String.valueOf(e.getKey());
            Object v = e.getValue();
            if (!SETTINGS.contains(k)) {
                problems.add(
                        field + "." + k + ": unknown setting (known: master, conf, spark_home, python, java_home)");
            } else if (k.equals("conf")) {
                if (!(v instanceof Map<?, ?> conf)) {
                    problems.add(field + ".conf: expected a map of Spark settings");
                    continue;
                }
                for (Map.Entry<?, ?> c : conf.entrySet()) {
                    String ck = String.valueOf(c.getKey());
                    if (!ck.startsWith("spark.") && !ck.startsWith("hive."))
                        problems.add(field + ".conf: '" + ck + "' is not a Spark setting (spark.*)");
                    else if (ck.equals("spark.master") || ck.equals("spark.submit.deployMode"))
                        problems.add(field + ".conf: " + ck + " is set by " + field + ".master (client mode only)");
                    if (c.getValue() instanceof Map || c.getValue() instanceof List || c.getValue() == null)
                        problems.add(field + ".conf: " + ck + ": expected a text, number or boolean value");
                }
            } else if (!(v instanceof String s) || s.isBlank()) {
                problems.add(field + "." + k + ": expected a text");
            } else if (k.equals("master")
                    && !dev.sluice.template.TemplateRenderer.isTemplate(s)
                    && !SparkSubmit.validMaster(s)) {
                problems.add(field + ".master: '" + s
                        + "' is not a Spark master (local, local[*], local[N], spark://host:port, yarn, k8s://...)");
            }
        }
        return problems;
    }

    /**
     * Runs {@code script} with {@code args} through spark-submit in client mode and returns what the driver wrote
     * with the SDK (outputs, dataset artifacts already stored). A non-zero exit fails with the driver's error.
     */
    public static Map<String, Object> run(TaskContext ctx, Path script, List<String> args, Map<String, Object> settings)
            throws Exception {
        Path dagDir = ctx.dagDirectory().toAbsolutePath().normalize();
        ProcessLauncher launcher = ProcessLauncher.of(ctx);
        SparkInstallation.Resolved spark = SparkInstallation.fromEnvironment().resolve(ctx, settings, launcher, dagDir);
        SparkSubmit submit = new SparkSubmit(
                spark.sparkSubmit(),
                settings.get("master") instanceof String m && !m.isBlank() ? m : SparkSubmit.DEFAULT_MASTER,
                "client",
                "sluice:" + ctx.dagId() + "." + ctx.taskId() + ":" + ctx.runId(),
                null,
                ProcessOutcome.strings(settings.get("conf")),
                List.of(),
                List.of(),
                script.toString(),
                args);
        Map<String, String> env = new LinkedHashMap<>(spark.environment());
        ctx.log()
                .printf(
                        "spark: %s (Spark from %s, JAVA_HOME %s), master %s%n",
                        spark.sparkSubmit(), spark.source(), spark.javaHome(), submit.master());
        try (SdkAttempt attempt = SdkAttempt.prepare(ctx, "spark")) {
            env.putAll(attempt.environment(ctx, dagDir));
            ctx.log().flush();
            ProcessOutcome outcome = launcher.run(ctx, new TaskCommand(submit.argv(), dagDir, env, Map.of()));
            if (outcome.exitCode() != 0) {
                throw new TaskFailedException(
                        "spark-submit exited with code " + outcome.exitCode() + DriverError.from(ctx.logFile()),
                        outcome.exitCode());
            }
            return attempt.collect();
        }
    }
}
