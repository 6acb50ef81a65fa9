package dev.sluice.ml.spark;

import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.process.ProcessLauncher;
import dev.sluice.task.process.ProcessOutcome;
import dev.sluice.task.process.TaskCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Where a {@code spark} task's spark-submit, Java and Python come from. Spark is never downloaded by Sluice: it is
 * a Spark installation ({@code spark_home} on the task, else the worker's {@value #SPARK_HOME_SETTING} or
 * {@code SPARK_HOME}), else the {@code pyspark} package of the task's Python (whose folder holds
 * {@code bin/spark-submit} and the jars). Java is passed explicitly as {@code JAVA_HOME}: the worker itself may run
 * on a Java that Spark does not support (Spark 4 runs on 17 or 21).
 */
final class SparkInstallation {
    static final String SPARK_HOME_SETTING = "SLUICE_SPARK_HOME";
    static final String JAVA_HOME_SETTING = "SLUICE_SPARK_JAVA_HOME";
    static final String PYTHON_SETTING = "SLUICE_SPARK_PYTHON";
    /** Asks an interpreter where its pyspark is. */
    private static final String PROBE =
            "import json, os, pyspark; json.dump({'home': os.path.dirname(pyspark.__file__),"
                    + " 'version': pyspark.__version__}, open(os.environ['SLUICE_OUTPUT'], 'w'))";

    private final UnaryOperator<String> settings;

    SparkInstallation(UnaryOperator<String> settings) {
        this.settings = settings;
    }

    static SparkInstallation fromEnvironment() {
        return new SparkInstallation(name -> {
            String v = System.getProperty(name);
            return v != null ? v : System.getenv(name);
        });
    }

    /** What one attempt runs with. */
    record Resolved(
            String sparkSubmit, String source, String javaHome, String python, Map<String, String> environment) {}

    Resolved resolve(TaskContext ctx, ProcessLauncher launcher, Path dagDir)
            throws IOException, InterruptedException, TaskFailedException {
        return resolve(ctx, ctx.config(), launcher, dagDir);
    }

    /** As {@link #resolve(TaskContext, ProcessLauncher, Path)}, with python, spark_home and java_home from {@code cfg}. */
    Resolved resolve(TaskContext ctx, Map<String, Object> cfg, ProcessLauncher launcher, Path dagDir)
            throws IOException, InterruptedException, TaskFailedException {
        String python = text(cfg.get("python"));
        if (python == null) python = setting(PYTHON_SETTING);
        if (python == null) python = setting("SLUICE_PYTHON");
        if (python == null) python = "python3";
        if (python.contains("/") && !Path.of(python).isAbsolute())
            python = dagDir.resolve(python).normalize().toString();

        String home = text(cfg.get("spark_home"));
        String source;
        if (home != null) {
            source = "spark_home";
        } else if ((home = setting(SPARK_HOME_SETTING)) != null) {
            source = SPARK_HOME_SETTING;
        } else if ((home = setting("SPARK_HOME")) != null) {
            source = "SPARK_HOME";
        } else {
            home = pysparkOf(ctx, launcher, python);
            source = "the pyspark package of " + python;
        }
        Path submit = Path.of(home).resolve("bin").resolve("spark-submit");
        if (!Files.isExecutable(submit)) {
            throw new TaskFailedException("spark: " + source + " (" + home + ") has no executable bin/spark-submit;"
                    + " point spark_home or " + SPARK_HOME_SETTING + " at a Spark installation");
        }

        String javaHome = text(cfg.get("java_home"));
        String javaSource = "java_home";
        if (javaHome == null) {
            javaHome = setting(JAVA_HOME_SETTING);
            javaSource = JAVA_HOME_SETTING;
        }
        if (javaHome == null) {
            javaHome = setting("JAVA_HOME");
            javaSource = "the worker's JAVA_HOME";
        }
        if (javaHome == null) {
            throw new TaskFailedException("spark: no Java for spark-submit: set java_home on the task or "
                    + JAVA_HOME_SETTING + " on the worker (Spark 4 runs on Java 17 or 21)");
        }
        if (!Files.isExecutable(Path.of(javaHome, "bin", "java"))) {
            throw new TaskFailedException("spark: " + javaSource + " '" + javaHome + "' has no bin/java");
        }

        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_HOME", home);
        env.put("JAVA_HOME", javaHome);
        // The driver and the Python workers run the same interpreter, which may be a venv with the job's packages.
        env.put("PYSPARK_PYTHON", python);
        env.put("PYSPARK_DRIVER_PYTHON", python);
        return new Resolved(submit.toString(), source, javaHome, python, env);
    }

    private static String pysparkOf(TaskContext ctx, ProcessLauncher launcher, String python)
            throws IOException, InterruptedException, TaskFailedException {
        ProcessOutcome o =
                launcher.run(ctx, new TaskCommand(List.of(python, "-c", PROBE), ctx.home(), Map.of(), Map.of()));
        if (o.exitCode() == 127) {
            throw new TaskFailedException(
                    "spark: no spark_home, " + SPARK_HOME_SETTING + " or SPARK_HOME, and the" + " python interpreter '"
                            + python + "' was not found on this worker",
                    o.exitCode());
        }
        if (o.exitCode() != 0 || !(o.output().get("home") instanceof String home)) {
            throw new TaskFailedException(
                    "spark: no spark_home, " + SPARK_HOME_SETTING + " or SPARK_HOME, and '"
                            + python + "' has no pyspark package (exit code " + o.exitCode() + "; see the attempt log):"
                            + " install pyspark in that environment or point spark_home at a Spark installation",
                    o.exitCode());
        }
        ctx.log().printf("spark: pyspark %s of %s%n", o.output().get("version"), python);
        return home;
    }

    private String setting(String name) {
        return text(settings.apply(name));
    }

    private static String text(Object v) {
        return v instanceof String s && !s.isBlank() ? s : null;
    }
}
