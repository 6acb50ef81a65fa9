package dev.sluice.testing;

import dev.sluice.store.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real PostgreSQL for tests: one embedded server per test JVM (or the server named by {@code SLUICE_TEST_DB_URL}),
 * and a fresh, migrated database for each caller so tests never see each other's rows.
 */
public final class TestDatabase {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres embedded;

    private TestDatabase() {}

    private static synchronized String adminUrl() throws Exception {
        String external = System.getenv("SLUICE_TEST_DB_URL");
        if (external != null && !external.isBlank()) return external;
        if (embedded == null) {
            // Tests keep zonky's non-durable settings (fsync off) for speed; benchmarks pass -Dsluice.test.durable=true
            // to measure with the durable commits production uses.
            boolean durable = Boolean.getBoolean("sluice.test.durable");
            var builder = EmbeddedPostgres.builder();
            // Benchmarks profile the server's side with -Dsluice.test.pgss=true (pg_stat_statements, nested too).
            if (Boolean.getBoolean("sluice.test.pgss")) {
                builder.setServerConfig("shared_preload_libraries", "pg_stat_statements")
                        .setServerConfig("pg_stat_statements.track", "all")
                        .setServerConfig("pg_stat_statements.track_planning", "on");
            }
            embedded = builder.setServerConfig("max_connections", "300")
                    .setServerConfig("synchronous_commit", durable ? "on" : "off")
                    .setServerConfig("fsync", durable ? "on" : "off")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    embedded.close();
                } catch (Exception ignored) {
                    // the JVM is exiting
                }
            }));
        }
        return embedded.getJdbcUrl("postgres", "postgres");
    }

    /** The embedded server's port (started if need be), or -1 when tests use an external server. */
    public static int embeddedPort() {
        try {
            adminUrl();
        } catch (Exception e) {
            return -1;
        }
        synchronized (TestDatabase.class) {
            return embedded == null ? -1 : embedded.getPort();
        }
    }

    private static String user() {
        return System.getenv().getOrDefault("SLUICE_TEST_DB_USER", "postgres");
    }

    private static String password() {
        return System.getenv().getOrDefault("SLUICE_TEST_DB_PASSWORD", "");
    }

    /** A new empty database with the full schema. */
    public static Database fresh() {
        return fresh(16);
    }

    public static Database fresh(int poolSize) {
        try {
            String admin = adminUrl();
            String name = "sluice_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
            try (Connection c = java.sql.DriverManager.getConnection(admin, user(), password());
                    Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + name); // name is generated above, never input
            }
            return Database.connect(urlFor(admin, name), user(), password(), poolSize)
                    .migrate();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create a test database: " + e.getMessage(), e);
        }
    }

    /**
     * Drops a database {@link #fresh} made (a benchmark's round, so that vacuuming its dead rows is not charged
     * to the next round).
     */
    public static void drop(Database db) {
        String url = db.url();
        int q = url.indexOf('?');
        String base = q < 0 ? url : url.substring(0, q);
        String name = base.substring(base.lastIndexOf('/') + 1);
        if (!name.matches("sluice_test_[0-9_]+")) throw new IllegalArgumentException("not a test database: " + name);
        db.close();
        try (Connection c = java.sql.DriverManager.getConnection(adminUrl(), user(), password());
                Statement st = c.createStatement()) {
            st.execute("DROP DATABASE " + name + " WITH (FORCE)"); // checked above: a name fresh() generated
        } catch (Exception e) {
            throw new IllegalStateException("cannot drop " + name + ": " + e.getMessage(), e);
        }
    }

    /** JDBC URL of a database on the same server (used by tests that start a second process). */
    static String urlFor(String adminUrl, String db) {
        int q = adminUrl.indexOf('?');
        String base = q < 0 ? adminUrl : adminUrl.substring(0, q);
        String query = q < 0 ? "" : adminUrl.substring(q);
        return base.substring(0, base.lastIndexOf('/') + 1) + db + query;
    }
}
