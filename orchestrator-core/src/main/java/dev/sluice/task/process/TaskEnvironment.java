package dev.sluice.task.process;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.SluiceConfig;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.template.Secrets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The environment of a task process. It starts empty, not from the server's: the server holds the database
 * password, the admin password, every {@code SLUICE_SECRET_*} and often cloud credentials, and a task's log is
 * readable by every viewer. A process gets, in this order (later wins):
 * <ol>
 *   <li>{@link #BASE} (PATH, HOME, locale, time zone, temp dir) and the server variables named by
 *   {@code SLUICE_TASK_ENV_ALLOW} ({@code NAME} or {@code PREFIX_*}), never one that {@link #denied} names;</li>
 *   <li>the task's own {@code env};</li>
 *   <li>its {@code secrets} grants: env name → secret name, read from {@code SLUICE_SECRET_<name>};</li>
 *   <li>the run's params as {@code SLUICE_PARAM_<NAME>} (upper case; lists and objects as JSON);</li>
 *   <li>the attempt's {@code SLUICE_DAG_ID}, {@code SLUICE_RUN_ID}, {@code SLUICE_TASK_ID}, {@code SLUICE_ATTEMPT},
 *   {@code SLUICE_LOGICAL_DATE} and {@code SLUICE_OUTPUT}.</li>
 * </ol>
 */
public final class TaskEnvironment {
    public static final String ALLOW_SETTING = "SLUICE_TASK_ENV_ALLOW";
    public static final String PARAM_PREFIX = "SLUICE_PARAM_";
    public static final List<String> BASE = List.of("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR");
    /** Used when the server itself has no PATH, so {@code bash} and the usual tools are still found. */
    static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    /**
     * Server variables no task inherits, even when the allow list names them: Sluice's own credentials and
     * database settings, cloud credentials, and anything whose name says it is a secret. A task that needs one is
     * given it explicitly, by its {@code env} or a {@code secrets} grant.
     */
    private static final Pattern DENIED =
            Pattern.compile("SLUICE_SECRET_.*|SLUICE_DB_.*|SLUICE_ADMIN_.*|SLUICE_TOKEN|SLUICE_.*_PASSWORD"
                    + "|AWS_.*|AZURE_.*|ARM_.*|GOOGLE_.*|GCP_.*|GCLOUD_.*|CLOUDSDK_.*"
                    + "|DATABASE_URL|JDBC_DATABASE_URL|PG.*PASS.*"
                    + "|(?i).*(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY).*");

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> server;
    private final List<String> allow;
    private final UnaryOperator<String> secrets;

    /**
     * @param server  the server's environment, of which only base and allowed names are passed on
     * @param allow   names or {@code PREFIX_*} patterns from {@code SLUICE_TASK_ENV_ALLOW}
     * @param secrets secret name → value (null when unset), for {@code secrets} grants
     */
    public TaskEnvironment(Map<String, String> server, List<String> allow, UnaryOperator<String> secrets) {
        this.server = Map.copyOf(server);
        this.allow = List.copyOf(allow);
        this.secrets = secrets;
    }

    /** This JVM's environment and {@code SLUICE_TASK_ENV_ALLOW} (system property or environment variable). */
    public static TaskEnvironment fromEnvironment() {
        return of(SluiceConfig.fromEnvironment());
    }

    public static TaskEnvironment of(SluiceConfig config) {
        return new TaskEnvironment(System.getenv(), config.taskEnvAllow(), Secrets::lookup);
    }

    /** True for a server variable that is never inherited (see {@link #DENIED}'s comment). */
    public static boolean denied(String name) {
        return DENIED.matcher(name).matches();
    }

    /** Whether the allow list names {@code name} (exactly, or by a {@code PREFIX_*} pattern). */
    boolean allowed(String name) {
        for (String a : allow) {
            if (a.endsWith("*") ? name.startsWith(a.substring(0, a.length() - 1)) : name.equals(a)) return true;
        }
        return false;
    }

    /** The server variables a task inherits: the base ones and the allowed ones, minus the denied. */
    public Map<String, String> inherited() {
        Map<String, String> out = new TreeMap<>();
        server.forEach((k, v) -> {
            if ((BASE.contains(k) || allowed(k)) && !denied(k)) out.put(k, v);
        });
        out.putIfAbsent("PATH", DEFAULT_PATH);
        return out;
    }

    /**
     * The whole environment of one attempt's process.
     *
     * @param taskEnv the task's own {@code env} config
     * @param grants  env name → secret name
     * @param output  the file the task may write its JSON output to ({@code SLUICE_OUTPUT})
     * @throws TaskFailedException when a granted secret is not set on this worker
     */
    public Map<String, String> forAttempt(
            TaskContext ctx, Map<String, String> taskEnv, Map<String, String> grants, Path output)
            throws TaskFailedException {
        Map<String, String> env = new LinkedHashMap<>(inherited());
        env.putAll(taskEnv);
        for (Map.Entry<String, String> g : grants.entrySet()) {
            String value = secrets.apply(g.getValue());
            if (value == null) {
                throw new TaskFailedException("secret '" + g.getValue() + "' granted as " + g.getKey()
                        + " is not set on this worker (" + Secrets.ENV_PREFIX + g.getValue() + ")");
            }
            env.put(g.getKey(), value);
        }
        env.putAll(paramVariables(ctx.params()));
        env.put("SLUICE_DAG_ID", ctx.dagId());
        env.put("SLUICE_RUN_ID", ctx.runId());
        env.put("SLUICE_TASK_ID", ctx.taskId());
        env.put("SLUICE_ATTEMPT", String.valueOf(ctx.attempt()));
        env.put("SLUICE_LOGICAL_DATE", ctx.logicalDate().toString());
        if (output != null) env.put("SLUICE_OUTPUT", output.toString());
        return env;
    }

    /**
     * Params as environment variables: {@code rows} → {@code SLUICE_PARAM_ROWS}. A script reads a param as
     * {@code "$SLUICE_PARAM_ROWS"} without it ever being part of the script's code. Null params are left out.
     */
    public static Map<String, String> paramVariables(Map<String, Object> params) {
        Map<String, String> out = new TreeMap<>();
        if (params == null) return out;
        params.forEach((name, value) -> {
            if (value == null) return;
            out.put(PARAM_PREFIX + name.toUpperCase(Locale.ROOT), text(value));
        });
        return out;
    }

    private static String text(Object value) {
        if (value instanceof String s) return s;
        if (value instanceof Map || value instanceof List) {
            try {
                return JSON.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(
                        "param value cannot be written as JSON: " + e.getOriginalMessage(), e);
            }
        }
        return String.valueOf(value);
    }

    /** Whether {@code name} can be an environment variable's name (for checking {@code env} and grants). */
    public static boolean validName(String name) {
        return NAME.matcher(name).matches();
    }
}
