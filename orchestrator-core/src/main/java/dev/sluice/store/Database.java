package dev.sluice.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.sluice.config.SluiceConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's PostgreSQL: a pooled DataSource, a jOOQ context over it, Flyway migrations from the
 * {@code db} module, and, when no URL is configured, the embedded server of SLUICE_HOME.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    /** How long a caller waits for a pooled connection before the call fails (503 at the API). */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    private final HikariDataSource pool;
    private final java.util.concurrent.ExecutorService prober = java.util.concurrent.Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("sluice-db-probe").daemon().factory());
    private volatile java.util.concurrent.Future<Boolean> probe;
    private final DSLContext dsl;
    private final String url;
    private final String user;
    private final String password;
    /** Stops the embedded server this process started; null otherwise. */
    private final AutoCloseable embedded;

    private Database(String url, String user, String password, int poolSize, AutoCloseable embedded) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.embedded = embedded;
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setUsername(user);
        hc.setPassword(password);
        hc.setMaximumPoolSize(poolSize);
        hc.setMinimumIdle(Math.min(4, poolSize));
        hc.setPoolName("sluice");
        // Hikari waits 30 s for a connection by default: during an outage every API call would hang that long.
        hc.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        hc.addDataSourceProperty("reWriteBatchedInserts", "true");
        this.pool = new HikariDataSource(hc);
        this.dsl = DSL.using(new org.jooq.impl.DefaultConfiguration()
                .set(SQLDialect.POSTGRES)
                .set(new Settings().withExecuteLogging(false))
                .set(pool)
                .set(new PooledTransactions(new org.jooq.impl.DataSourceConnectionProvider(pool))));
    }

    /**
     * Connects to the configured server, or to the embedded one of {@code SLUICE_HOME} (started when no Sluice
     * process with this home runs it already; see {@link EmbeddedPostgresHome}).
     */
    public static Database open(SluiceConfig config, int poolSize) {
        if (!config.embedded()) {
            log.info("Using PostgreSQL at {}", config.dbUrl());
            return connect(config.dbUrl(), config.dbUser(), config.dbPassword(), poolSize);
        }
        boolean portFixed = config.embeddedPort() != 0;
        return openEmbedded(
                config.home(),
                portFixed ? config.embeddedPort() : EmbeddedPostgresHome.DEFAULT_PORT,
                portFixed,
                poolSize);
    }

    /** @param portFixed whether {@code port} was asked for (taken: an error) or is the default (taken: another) */
    static Database openEmbedded(Path home, int port, boolean portFixed, int poolSize) {
        var started = EmbeddedPostgresHome.start(home, port, portFixed);
        Database db =
                new Database(started.url(), EmbeddedPostgresHome.USER, started.password(), poolSize, started.stop());
        if (started.stop() != null) {
            Runtime.getRuntime().addShutdownHook(new Thread(db::stopEmbeddedAfterGrace, "sluice-embedded-pg-stop"));
        }
        return db;
    }

    public static Database connect(String url, String user, String password, int poolSize) {
        return new Database(url, user, password, poolSize, null);
    }

    public Database migrate() {
        Flyway.configure()
                .dataSource(pool)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        return this;
    }

    /**
     * Whether the database answers a trivial query within {@code within}. A readiness probe needs a fast answer,
     * not the pool's timeout; at most one probe query is in flight, and callers that come while it runs share it.
     */
    public boolean reachable(Duration within) {
        java.util.concurrent.Future<Boolean> f;
        synchronized (this) {
            f = probe;
            if (f == null || f.isDone()) {
                f = prober.submit(() -> {
                    try (Connection c = pool.getConnection()) {
                        return c.isValid((int) Math.max(1, within.toSeconds()));
                    }
                });
                probe = f;
            }
        }
        try {
            return f.get(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public DSLContext dsl() {
        return dsl;
    }

    public DataSource dataSource() {
        return pool;
    }

    public String url() {
        return url;
    }

    /** A connection outside the pool, for LISTEN: it stays open for the engine's lifetime. */
    public Connection openDedicatedConnection() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return DriverManager.getConnection(url, p);
    }

    /**
     * Shutdown hook: gives the application's own shutdown (engine first) a few seconds to close this database,
     * then stops the embedded server regardless, so a process killed during start-up leaves no PostgreSQL behind.
     */
    private void stopEmbeddedAfterGrace() {
        for (int i = 0; i < 100 && !closed; i++) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                break;
            }
        }
        close();
    }

    private volatile boolean closed;

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        prober.shutdownNow();
        pool.close();
        if (embedded != null) {
            try {
                embedded.close();
            } catch (Exception e) {
                log.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
            }
        }
    }
}
