package dev.sluice.config;

import dev.sluice.dag.DagFileLimits;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Settings from the environment. {@code SLUICE_DB_URL} unset means "start an embedded PostgreSQL under
 * SLUICE_HOME". Passwords are kept out of {@link #toString()} so they never reach a log. {@code dagSource}
 * ({@code SLUICE_DAG_SOURCE}) names the DAG folder as the owner of the DAGs it loads (null: its canonical path);
 * {@code dagFileMaxBytes} ({@code SLUICE_DAG_FILE_MAX_BYTES}) is the largest DAG file read. {@code taskEnvAllow}
 * ({@code SLUICE_TASK_ENV_ALLOW}, comma-separated names or {@code PREFIX_*}) lists the server's environment
 * variables that task processes inherit beyond PATH, HOME and the locale (see
 * {@link dev.sluice.task.process.TaskEnvironment}). {@code storeUrl} ({@code SLUICE_STORE_URL}) names the object store
 * for artifacts and DAG files (null: SLUICE_HOME itself, the layout of a single machine); see {@link #openStore()}.
 */
public record SluiceConfig(
        Path home,
        String dbUrl,
        String dbUser,
        String dbPassword,
        int embeddedPort,
        double predictionLogRate,
        String dagSource,
        long dagFileMaxBytes,
        List<String> taskEnvAllow,
        String storeUrl) {
    /** Share of prediction requests logged for drift reports: enough to audit inputs without a write per request. */
    public static final double DEFAULT_PREDICTION_LOG_RATE = 0.01;

    public SluiceConfig {
        taskEnvAllow = taskEnvAllow == null ? List.of() : List.copyOf(taskEnvAllow);
        if (!(predictionLogRate >= 0 && predictionLogRate <= 1)) {
            throw new IllegalArgumentException(
                    "SLUICE_PREDICTION_LOG_RATE must be between 0 and 1, got " + predictionLogRate);
        }
        if (dagFileMaxBytes < 1 || dagFileMaxBytes > DagFileLimits.MAX_FILE_BYTES) {
            throw new IllegalArgumentException("SLUICE_DAG_FILE_MAX_BYTES must be between 1 and "
                    + DagFileLimits.MAX_FILE_BYTES + ", got " + dagFileMaxBytes);
        }
    }

    /** Settings from before the object store was configurable: everything under SLUICE_HOME. */
    public SluiceConfig(
            Path home,
            String dbUrl,
            String dbUser,
            String dbPassword,
            int embeddedPort,
            double predictionLogRate,
            String dagSource,
            long dagFileMaxBytes,
            List<String> taskEnvAllow) {
        this(
                home,
                dbUrl,
                dbUser,
                dbPassword,
                embeddedPort,
                predictionLogRate,
                dagSource,
                dagFileMaxBytes,
                taskEnvAllow,
                null);
    }

    /** The same settings with another object store URL (null: SLUICE_HOME). */
    public SluiceConfig withStoreUrl(String url) {
        return new SluiceConfig(
                home,
                dbUrl,
                dbUser,
                dbPassword,
                embeddedPort,
                predictionLogRate,
                dagSource,
                dagFileMaxBytes,
                taskEnvAllow,
                url == null || url.isBlank() ? null : url.trim());
    }

    /**
     * Opens the object store: SLUICE_HOME itself by default, else what {@code SLUICE_STORE_URL} names, with the
     * {@code SLUICE_S3_*} settings of the environment (credentials come from the AWS SDK's own chain).
     */
    public dev.sluice.storage.ObjectStore openStore() throws java.io.IOException {
        return dev.sluice.storage.ObjectStores.open(
                storeUrl, home, dev.sluice.storage.ObjectStores.settingsFromEnvironment());
    }

    /** Settings from before the DAG source and file limit existed: the default source and limit. */
    public SluiceConfig(
            Path home, String dbUrl, String dbUser, String dbPassword, int embeddedPort, double predictionLogRate) {
        this(
                home,
                dbUrl,
                dbUser,
                dbPassword,
                embeddedPort,
                predictionLogRate,
                null,
                DagFileLimits.DEFAULT_MAX_FILE_BYTES,
                List.of());
    }

    /** Settings from before the task environment allow list existed: tasks inherit nothing beyond the base set. */
    public SluiceConfig(
            Path home,
            String dbUrl,
            String dbUser,
            String dbPassword,
            int embeddedPort,
            double predictionLogRate,
            String dagSource,
            long dagFileMaxBytes) {
        this(home, dbUrl, dbUser, dbPassword, embeddedPort, predictionLogRate, dagSource, dagFileMaxBytes, List.of());
    }

    /** How big a DAG file may be; see {@link DagFileLimits}. */
    public DagFileLimits dagFileLimits() {
        return new DagFileLimits(dagFileMaxBytes);
    }

    /** Environment variables, each overridable by a system property of the same name (for tests and embedding). */
    public static SluiceConfig fromEnvironment() {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        for (String key : new String[] {
            "SLUICE_HOME",
            "SLUICE_DB_URL",
            "SLUICE_DB_USER",
            "SLUICE_DB_PASSWORD",
            "SLUICE_EMBEDDED_DB_PORT",
            "SLUICE_PREDICTION_LOG_RATE",
            "SLUICE_DAG_SOURCE",
            "SLUICE_DAG_FILE_MAX_BYTES",
            "SLUICE_TASK_ENV_ALLOW",
            "SLUICE_STORE_URL"
        }) {
            String v = System.getProperty(key);
            if (v != null) env.put(key, v);
        }
        return from(env);
    }

    public static SluiceConfig from(Map<String, String> env) {
        String home = env.getOrDefault("SLUICE_HOME", System.getProperty("user.home") + "/.sluice");
        return new SluiceConfig(
                Path.of(home).toAbsolutePath(),
                blankToNull(env.get("SLUICE_DB_URL")),
                env.getOrDefault("SLUICE_DB_USER", "postgres"),
                env.getOrDefault("SLUICE_DB_PASSWORD", ""),
                Integer.parseInt(env.getOrDefault("SLUICE_EMBEDDED_DB_PORT", "0")),
                rate(env.get("SLUICE_PREDICTION_LOG_RATE")),
                blankToNull(env.get("SLUICE_DAG_SOURCE")),
                bytes(env.get("SLUICE_DAG_FILE_MAX_BYTES")),
                names(env.get("SLUICE_TASK_ENV_ALLOW")),
                blankToNull(env.get("SLUICE_STORE_URL")));
    }

    private static List<String> names(String s) {
        if (s == null || s.isBlank()) return List.of();
        return Arrays.stream(s.split(","))
                .map(String::trim)
                .filter(n -> !n.isEmpty())
                .toList();
    }

    private static long bytes(String s) {
        if (s == null || s.isBlank()) return DagFileLimits.DEFAULT_MAX_FILE_BYTES;
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "SLUICE_DAG_FILE_MAX_BYTES must be a number of bytes, got \"" + s + "\"");
        }
    }

    private static double rate(String s) {
        if (s == null || s.isBlank()) return DEFAULT_PREDICTION_LOG_RATE;
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "SLUICE_PREDICTION_LOG_RATE must be a number between 0 and 1, got \"" + s + "\"");
        }
    }

    public boolean embedded() {
        return dbUrl == null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        return "SluiceConfig[home=" + home + ", db=" + (embedded() ? "embedded" : dbUrl) + ", user=" + dbUser
                + (storeUrl == null ? "" : ", store=" + storeUrl) + "]";
    }
}
