package dev.sluice.ml.spark;

import dev.sluice.ml.python.SdkAttempt;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import dev.sluice.task.builtin.ShellTask;
import dev.sluice.task.process.ProcessLauncher;
import dev.sluice.task.process.ProcessOutcome;
import dev.sluice.task.process.TaskCommand;
import dev.sluice.template.TemplateRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Submits a PySpark script or an application JAR with {@code spark-submit}: the driver's output streams into the
 * attempt log, its exit status decides, and timeout and cancel kill it (in client mode the driver is the process
 * group the launcher kills; in cluster mode {@link SparkSubmit#killCommand} asks the cluster to kill the application
 * too). A PySpark driver gets the SDK like a {@code python} task ({@link SdkAttempt}): upstream datasets as local
 * files, {@code sluice.write_dataset} for a Spark DataFrame, metrics and outputs. Where spark-submit comes from and
 * which Java runs it is the worker's or the task's setting ({@link SparkInstallation}); Sluice never downloads Spark.
 */
public final class SparkTask implements TaskType {
    static final Set<String> OWN_ENV = Set.of(
            "SPARK_HOME", "JAVA_HOME", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "PYTHONPATH", "SLUICE_ATTEMPT_DIR");
    private static final Pattern URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:.*");
    private static final Pattern CLASS = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*");
    private static final Pattern PACKAGE = Pattern.compile("[^:,\\s]+:[^:,\\s]+:[^:,\\s]+");
    /** Settings that the task's own fields (master, deploy_mode, main_class...) say; in conf they would conflict. */
    private static final Set<String> FIELD_CONF = Set.of(
            "spark.master", "spark.submit.deployMode", "spark.jars.packages", "spark.submit.pyFiles", "spark.app.name");

    private final SparkInstallation installation;

    public SparkTask() {
        this(SparkInstallation.fromEnvironment());
    }

    SparkTask(SparkInstallation installation) {
        this.installation = installation;
    }

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public String description() {
        return "Submits a PySpark script or an application JAR with spark-submit; a PySpark driver can use the sluice SDK";
    }

    @Override
    public List<ConfigField> configFields() {
        return List.of(
                ConfigField.required(
                        "application",
                        FieldType.STRING,
                        "a .py or .jar beside the DAG file (relative to its folder), or a URL the cluster reads"
                                + " (hdfs://, s3a://, local:)"),
                ConfigField.optional("main_class", FieldType.STRING, null, "the main class of a JAR application"),
                ConfigField.optional("args", FieldType.LIST, List.of(), "the application's arguments"),
                ConfigField.optional(
                        "master",
                        FieldType.STRING,
                        SparkSubmit.DEFAULT_MASTER,
                        "local[*], local[N], spark://host:7077, yarn or k8s://https://host:443"),
                ConfigField.optional(
                        "deploy_mode",
                        FieldType.STRING,
                        "client",
                        "client: the driver runs on the worker (the SDK works); cluster: in the cluster"),
                ConfigField.optional("conf", FieldType.MAP, Map.of(), "Spark settings, as --conf key=value"),
                ConfigField.optional(
                        "packages",
                        FieldType.LIST,
                        List.of(),
                        "Maven coordinates group:artifact:version (Spark resolves them)"),
                ConfigField.optional(
                        "py_files", FieldType.LIST, List.of(), ".py, .zip or .egg files beside the DAG file, or URLs"),
                ConfigField.optional(
                        "spark_home",
                        FieldType.STRING,
                        null,
                        "a Spark installation (its bin/spark-submit); default " + SparkInstallation.SPARK_HOME_SETTING
                                + ", SPARK_HOME, else the pyspark of python"),
                ConfigField.optional(
                        "python",
                        FieldType.STRING,
                        null,
                        "the interpreter of the driver and the Python workers (with pyspark when it is where spark-submit comes from); default "
                                + SparkInstallation.PYTHON_SETTING + ", SLUICE_PYTHON or python3"),
                ConfigField.optional(
                        "java_home",
                        FieldType.STRING,
                        null,
                        "the Java that runs spark-submit (Spark 4: 17 or 21); default "
                                + SparkInstallation.JAVA_HOME_SETTING + ", else the worker's JAVA_HOME"),
                ConfigField.optional("env", FieldType.MAP, Map.of(), "extra environment variables"),
                ConfigField.optional(
                        "secrets",
                        FieldType.MAP,
                        Map.of(),
                        "environment variables granted a secret: NAME: secret_name reads SLUICE_SECRET_secret_name"));
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> problems = new ArrayList<>();
        String app = config.get("application") instanceof String s ? s : null;
        if (app != null && !templated(app)) {
            if (!URL.matcher(app).matches() && !relativeInside(app))
                problems.add("application: '" + app
                        + "' must be a path relative to the DAG file's folder, without '..', or a URL");
            else if (!app.endsWith(".py") && !app.endsWith(".jar"))
                problems.add("application: '" + app + "' must be a .py script or a .jar");
        }
        if (config.get("main_class") instanceof String c && !templated(c)) {
            if (app != null && app.endsWith(".py")) problems.add("main_class: only for a .jar application");
            else if (!CLASS.matcher(c).matches())
                problems.add("main_class: '" + c + "' is not a Java class name (e.g. org.example.Job)");
        }
        String master = config.get("master") instanceof String m ? m : SparkSubmit.DEFAULT_MASTER;
        if (!templated(master) && !SparkSubmit.validMaster(master))
            problems.add("master: '" + master
                    + "' is not a Spark master (local, local[*], local[N], spark://host:port, yarn, k8s://...)");
        Object mode = config.get("deploy_mode");
        if (mode != null && !"client".equals(mode) && !"cluster".equals(mode))
            problems.add("deploy_mode: '" + mode + "' must be client or cluster");
        if ("cluster".equals(mode) && master.startsWith("local"))
            problems.add("deploy_mode: cluster needs a cluster master (spark://, yarn, k8s://), not " + master);
        if (config.get("conf") instanceof Map<?, ?> conf) {
            for (Map.Entry<?, ?> e : conf.entrySet()) {
                String k = String.valueOf(e.getKey());
                if (FIELD_CONF.contains(k)) problems.add("conf: " + k + " is set by this task's own fields");
                else if (!k.startsWith("spark.") && !k.startsWith("hive."))
                    problems.add("conf: '" + k + "' is not a Spark setting (spark.*)");
                if (e.getValue() instanceof Map || e.getValue() instanceof List || e.getValue() == null)
                    problems.add("conf: " + k + ": expected a text, number or boolean value");
            }
        }
        if (config.get("packages") instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                if (!(l.get(i) instanceof String p)
                        || !(templated(p) || PACKAGE.matcher(p).matches()))
                    problems.add("packages[" + i + "]: '" + l.get(i) + "' is not group:artifact:version");
            }
        }
        if (config.get("py_files") instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                if (!(l.get(i) instanceof String p)) problems.add("py_files[" + i + "]: expected a file name");
                else if (!templated(p) && !URL.matcher(p).matches() && !relativeInside(p))
                    problems.add("py_files[" + i + "]: '" + p
                            + "' must be a path relative to the DAG file's folder, without '..', or a URL");
            }
        }
        Map<String, Object> shellPart = new LinkedHashMap<>();
        if (config.get("env") != null) shellPart.put("env", config.get("env"));
        if (config.get("secrets") != null) shellPart.put("secrets", config.get("secrets"));
        problems.addAll(new ShellTask().validate(shellPart));
        if (config.get("env") instanceof Map<?, ?> env) {
            for (Object k : env.keySet()) {
                if (OWN_ENV.contains(String.valueOf(k)))
                    problems.add("env: " + k + " is set by the spark task type (see spark_home, java_home, python)");
            }
        }
        return problems;
    }

    private static boolean templated(String s) {
        return TemplateRenderer.isTemplate(s);
    }

    static boolean relativeInside(String p) {
        Path path = Path.of(p);
        return !path.isAbsolute()
                && !p.isBlank()
                && path.normalize().equals(path)
                && !path.startsWith("..")
                && !p.contains("/../");
    }

    @Override
    public TaskResult execute(TaskContext ctx) throws Exception {
        Map<String, Object> cfg = ctx.config();
        Path dagDir = ctx.dagDirectory().toAbsolutePath().normalize();
        ProcessLauncher launcher = ProcessLauncher.of(ctx);
        SparkInstallation.Resolved spark = installation.resolve(ctx, launcher, dagDir);
        String app = (String) cfg.get("application");
        boolean python = app.endsWith(".py");
        String appPath = URL.matcher(app).matches()
                ? app
                : beside(dagDir, app, "application").toString();
        List<String> pyFiles = new ArrayList<>();
        for (Object f : list(cfg.get("py_files"))) {
            String s = String.valueOf(f);
            pyFiles.add(
                    URL.matcher(s).matches() ? s : beside(dagDir, s, "py_files").toString());
        }
        SparkSubmit submit = new SparkSubmit(
                spark.sparkSubmit(),
                stringOr(cfg.get("master"), SparkSubmit.DEFAULT_MASTER),
                stringOr(cfg.get("deploy_mode"), "client"),
                "sluice:" + ctx.dagId() + "." + ctx.taskId() + ":" + ctx.runId(),
                (String) cfg.get("main_class"),
                ProcessOutcome.strings(cfg.get("conf")),
                list(cfg.get("packages")).stream().map(String::valueOf).toList(),
                pyFiles,
                appPath,
                list(cfg.get("args")).stream().map(SparkTask::argText).toList());

        Map<String, String> env = new LinkedHashMap<>(ProcessOutcome.strings(cfg.get("env")));
        env.putAll(spark.environment());
        ctx.log()
                .printf(
                        "spark: %s (Spark from %s, JAVA_HOME %s), master %s, deploy mode %s%n",
                        spark.sparkSubmit(), spark.source(), spark.javaHome(), submit.master(), submit.deployMode());
        boolean sdk = python && submit.clientMode();
        try (SdkAttempt attempt = sdk ? SdkAttempt.prepare(ctx, "spark") : null) {
            if (attempt != null) env.putAll(attempt.environment(ctx, dagDir));
            ctx.log().flush();
            ProcessOutcome outcome;
            try {
                outcome = launcher.run(
                        ctx, new TaskCommand(submit.argv(), dagDir, env, ProcessOutcome.strings(cfg.get("secrets"))));
            } catch (InterruptedException stopped) {
                // The driver is dead with its process group; in cluster mode the application lives on without it.
                if (!submit.clientMode()) new ClusterKill(launcher).kill(ctx, submit, env);
                throw stopped;
            }
            if (outcome.exitCode() != 0) {
                throw new TaskFailedException(
                        "spark-submit exited with code " + outcome.exitCode() + DriverError.from(ctx.logFile()),
                        outcome.exitCode());
            }
            Map<String, Object> out = new LinkedHashMap<>(outcome.output());
            if (attempt != null) out.putAll(attempt.collect());
            return TaskResult.of(out);
        }
    }

    private static String stringOr(Object v, String dflt) {
        return v instanceof String s && !s.isBlank() ? s : dflt;
    }

    private static List<?> list(Object v) {
        return v instanceof List<?> l ? l : List.of();
    }

    private static String argText(Object a) {
        if (a instanceof Map || a instanceof List) {
            try {
                return dev.sluice.ml.Json.MAPPER.writeValueAsString(a);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("args: " + e.getOriginalMessage(), e);
            }
        }
        return String.valueOf(a);
    }

    /** A file of the DAG's folder named by config {@code key}: refused when it leaves the folder or is missing. */
    static Path beside(Path dagDir, String name, String key) throws Exception {
        Path f = dagDir.resolve(name).normalize();
        if (Path.of(name).isAbsolute() || !f.startsWith(dagDir)) {
            throw new TaskFailedException(key + ": '" + name + "' is outside the DAG file's folder " + dagDir);
        }
        if (!Files.isRegularFile(f))
            throw new TaskFailedException(key + ": no file '" + name + "' beside the DAG file (in " + dagDir + ")");
        if (!f.toRealPath().startsWith(dagDir.toRealPath())) {
            throw new TaskFailedException(key + ": '" + name + "' links outside the DAG file's folder");
        }
        return f;
    }
}
