package dev.sluice.ml.python;

import dev.sluice.ml.artifact.ArtifactCatalog;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.data.DuckDb;
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
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs the user's own Python: a {@code script} beside the DAG file, or a {@code function} of a {@code module} in
 * the DAG's folder, in a clean process ({@link ProcessLauncher}) with the SDK ({@code import sluice}) importable and,
 * when the task lists {@code requirements}, in a virtual environment built once per requirement set
 * ({@link PythonEnvironments}). The SDK and this worker talk through the attempt's files ({@link AttemptFiles}):
 * datasets the task writes become dataset artifacts that ml.* tasks downstream read like ml.split's outputs, and its
 * params and metrics become an experiment record next to ml.train's.
 *
 * <p>{@code args}: for a {@code script}, a list passed as its argv (each item as text, lists and mappings as JSON); for a {@code function}, a
 * list of positional arguments or a mapping of keyword arguments, as JSON values. A function's return value becomes
 * output: a dict's keys become output keys, any other non-None value the output {@code result}.
 */
public final class PythonTask implements TaskType {
    /** The worker's default interpreter when a task names none. */
    public static final String PYTHON_SETTING = "SLUICE_PYTHON";

    private static final Pattern MODULE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Calls module.function(*args) or (**kwargs) and reports a returned value through the SDK. */
    static final String CALL = String.join(
            "\n",
            "import importlib, json, sys",
            "import sluice",
            "fn = getattr(importlib.import_module(sys.argv[1]), sys.argv[2])",
            "args = json.loads(sys.argv[3])",
            "result = fn(**args) if isinstance(args, dict) else fn(*args)",
            "if isinstance(result, dict):",
            "    for k, v in result.items(): sluice.output(str(k), v)",
            "elif result is not None:",
            "    sluice.output('result', result)");

    private final PythonEnvironments environments;

    public PythonTask() {
        this(PythonEnvironments.fromEnvironment());
    }

    PythonTask(PythonEnvironments environments) {
        this.environments = environments;
    }

    @Override
    public String name() {
        return "python";
    }

    @Override
    public String description() {
        return "Runs your Python script or function with the sluice SDK, in a managed environment for its requirements";
    }

    @Override
    public List<ConfigField> configFields() {
        return List.of(
                ConfigField.optional(
                        "script", FieldType.STRING, null, "a .py file beside the DAG file (relative to its folder)"),
                ConfigField.optional(
                        "module", FieldType.STRING, null, "an importable module in the DAG's folder, with function"),
                ConfigField.optional("function", FieldType.STRING, null, "the function of module to call"),
                ConfigField.optional(
                        "args",
                        FieldType.ANY,
                        null,
                        "script: a list, its argv; function: a list of positional or a mapping of keyword arguments"),
                ConfigField.optional(
                        "requirements",
                        FieldType.ANY,
                        null,
                        "a requirements file beside the DAG file, or a list of requirement strings (one environment per set)"),
                ConfigField.optional(
                        "python", FieldType.STRING, null, "the interpreter; default " + PYTHON_SETTING + " or python3"),
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
        Object script = config.get("script");
        Object module = config.get("module");
        Object function = config.get("function");
        if ((script == null) == (module == null))
            problems.add("set either script or module (with function), not both or neither");
        if (module != null && function == null) problems.add("function: required with module");
        if (function != null && module == null) problems.add("function: only with module");
        if (script instanceof String s && !templated(s) && !relativeInside(s)) {
            problems.add("script: '" + s + "' must be a path relative to the DAG file's folder, without '..'");
        }
        if (module instanceof String m && !templated(m) && !MODULE.matcher(m).matches()) {
            problems.add("module: '" + m + "' is not a Python module name (e.g. pipeline.features)");
        }
        if (function instanceof String f && !templated(f) && !IDENT.matcher(f).matches()) {
            problems.add("function: '" + f + "' is not a Python function name");
        }
        Object args = config.get("args");
        if (args != null && !(args instanceof List) && !(args instanceof Map))
            problems.add("args: expected a list or a mapping");
        if (args instanceof Map && script != null)
            problems.add("args: a script takes a list (its argv); a mapping is for a function's keyword arguments");
        Object req = config.get("requirements");
        if (req instanceof String r && !templated(r) && !relativeInside(r)) {
            problems.add("requirements: '" + r + "' must be a file relative to the DAG file's folder, without '..'");
        } else if (req instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                if (!(l.get(i) instanceof String))
                    problems.add("requirements[" + i + "]: expected a requirement string such as six==1.17.0");
            }
        } else if (req != null && !(req instanceof String)) {
            problems.add("requirements: expected a file name or a list of requirement strings");
        }
        Map<String, Object> shellPart = new LinkedHashMap<>();
        if (config.get("env") != null) shellPart.put("env", config.get("env"));
        if (config.get("secrets") != null) shellPart.put("secrets", config.get("secrets"));
        problems.addAll(new ShellTask().validate(shellPart));
        if (config.get("env") instanceof Map<?, ?> env) {
            for (Object k : env.keySet()) {
                if (List.of("SLUICE_ATTEMPT_DIR", "PYTHONPATH").contains(String.valueOf(k))) {
                    problems.add("env: " + k + " is set by the python task type");
                }
            }
        }
        return problems;
    }

    private static boolean templated(String s) {
        return TemplateRenderer.isTemplate(s);
    }

    private static boolean relativeInside(String p) {
        Path path = Path.of(p);
        return !path.isAbsolute()
                && !p.isBlank()
                && path.normalize().equals(path)
                && !path.startsWith("..")
                && !p.contains("/../")
                && !p.startsWith("../");
    }

    @Override
    public TaskResult execute(TaskContext ctx) throws Exception {
        Map<String, Object> cfg = ctx.config();
        Path dagDir = ctx.dagDirectory().toAbsolutePath().normalize();
        String python = cfg.get("python") instanceof String p && !p.isBlank()
                ? p
                : environments.setting(PYTHON_SETTING) != null ? environments.setting(PYTHON_SETTING) : "python3";
        // A path (not a name looked up on PATH) is relative to the DAG's folder, like script: and requirements:.
        if (python.contains("/") && !Path.of(python).isAbsolute())
            python = dagDir.resolve(python).normalize().toString();
        List<String> requirements = requirements(cfg.get("requirements"), dagDir);
        ProcessLauncher launcher = ProcessLauncher.of(ctx);
        String interpreter = environments.interpreter(ctx, launcher, python, requirements);

        List<String> argv = new ArrayList<>(List.of(interpreter));
        if (cfg.get("script") instanceof String script) {
            argv.add(beside(dagDir, script, "script").toString());
            if (cfg.get("args") instanceof List<?> l) {
                for (Object a : l)
                    argv.add(
                            a instanceof Map || a instanceof List
                                    ? dev.sluice.ml.Json.MAPPER.writeValueAsString(a)
                                    : String.valueOf(a));
            }
        } else {
            Object args = cfg.get("args") == null ? List.of() : cfg.get("args");
            argv.addAll(List.of(
                    "-c",
                    CALL,
                    (String) cfg.get("module"),
                    (String) cfg.get("function"),
                    dev.sluice.ml.Json.MAPPER.writeValueAsString(args)));
        }

        ArtifactStore store = dev.sluice.ml.artifact.ArtifactStores.of(ctx);
        Path base = ctx.home().resolve("tmp").resolve("python");
        Files.createDirectories(base);
        Path attemptDir = Files.createTempDirectory(base, "attempt-" + ctx.attemptKey() + "-");
        try {
            AttemptFiles files = new AttemptFiles(ctx, store, ArtifactCatalog.of(ctx), attemptDir);
            files.writeContext();
            Map<String, String> env = new LinkedHashMap<>(ProcessOutcome.strings(cfg.get("env")));
            env.put("PYTHONPATH", SdkFiles.extract(ctx.home()) + File.pathSeparator + dagDir);
            env.put("PYTHONUNBUFFERED", "1"); // print() reaches the live log as it happens
            env.put("SLUICE_ATTEMPT_DIR", attemptDir.toString());
            ctx.log().flush();
            ProcessOutcome outcome =
                    launcher.run(ctx, new TaskCommand(argv, dagDir, env, ProcessOutcome.strings(cfg.get("secrets"))));
            if (outcome.exitCode() != 0) {
                throw new TaskFailedException(
                        "python exited with code " + outcome.exitCode() + ProcessOutcome.lastLines(ctx.logFile(), 5),
                        outcome.exitCode());
            }
            Map<String, Object> out = new LinkedHashMap<>(outcome.output());
            out.putAll(files.collect(
                    () -> DuckDb.openOwning(Files.createTempDirectory(attemptDir, "duckdb-"), "512MB", 1)));
            return TaskResult.of(out);
        } finally {
            SdkFiles.deleteTree(attemptDir);
        }
    }

    private List<String> requirements(Object req, Path dagDir) throws Exception {
        if (req == null) return List.of();
        if (req instanceof String file) {
            Path f = beside(dagDir, file, "requirements");
            return PythonEnvironments.normalize(Files.readAllLines(f), "requirements file " + file);
        }
        List<String> lines = new ArrayList<>();
        for (Object o : (List<?>) req) lines.add(String.valueOf(o));
        return PythonEnvironments.normalize(lines, "requirements");
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
