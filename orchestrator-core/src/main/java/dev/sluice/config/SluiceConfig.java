package dev.sluice.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * Settings from the environment. {@code SLUICE_DB_URL} unset means "start an embedded PostgreSQL under
 * SLUICE_HOME". Passwords are kept out of {@link #toString()} so they never reach a log.
 */
public record SluiceConfig(Path home, String dbUrl, String dbUser, String dbPassword, int embeddedPort,
                           double predictionLogRate) {
    /** Share of prediction requests logged for drift reports: enough to audit inputs without a write per request. */
    public static final double DEFAULT_PREDICTION_LOG_RATE = 0.01;

    public SluiceConfig {
        if (!(predictionLogRate >= 0 && predictionLogRate <= 1)) {
            throw new IllegalArgumentException("SLUICE_PREDICTION_LOG_RATE must be between 0 and 1, got " + predictionLogRate);
        }
    }

    /** Environment variables, each overridable by a system property of the same name (for tests and embedding). */
    public static SluiceConfig fromEnvironment() {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        for (String key : new String[] {"SLUICE_HOME", "SLUICE_DB_URL", "SLUICE_DB_USER", "SLUICE_DB_PASSWORD", "SLUICE_EMBEDDED_DB_PORT",
                "SLUICE_PREDICTION_LOG_RATE"}) {
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
                rate(env.get("SLUICE_PREDICTION_LOG_RATE")));
    }

    private static double rate(String s) {
        if (s == null || s.isBlank()) return DEFAULT_PREDICTION_LOG_RATE;
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SLUICE_PREDICTION_LOG_RATE must be a number between 0 and 1, got \"" + s + "\"");
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
        return "SluiceConfig[home=" + home + ", db=" + (embedded() ? "embedded" : dbUrl) + ", user=" + dbUser + "]";
    }
}
