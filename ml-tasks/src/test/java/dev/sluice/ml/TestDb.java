package dev.sluice.ml;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** One embedded PostgreSQL per test JVM, migrated with the real Flyway scripts (engine + ML). */
public final class TestDb {
    private static DataSource ds;

    private TestDb() {}

    public static synchronized DataSource dataSource() {
        if (ds == null) {
            try {
                EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        pg.close();
                    } catch (IOException ignored) {
                        // the JVM is exiting
                    }
                }));
                ds = pg.getPostgresDatabase();
                Flyway.configure()
                        .dataSource(ds)
                        .locations("classpath:db/migration")
                        .load()
                        .migrate();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ds;
    }
}
