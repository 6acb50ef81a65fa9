package dev.sluice.testing;

import dev.sluice.config.SluiceConfig;
import dev.sluice.store.Database;
import java.util.Map;

/**
 * A Sluice process's embedded PostgreSQL in a JVM of its own, for tests that kill the process with SIGKILL.
 * Args: SLUICE_HOME, SLUICE_EMBEDDED_DB_PORT. Prints "ready" once the database is migrated.
 */
public final class EmbeddedDatabaseMain {
    public static void main(String[] args) throws Exception {
        Database db = Database.open(
                        SluiceConfig.from(Map.of("SLUICE_HOME", args[0], "SLUICE_EMBEDDED_DB_PORT", args[1])), 2)
                .migrate();
        System.out.println("ready " + db.url());
        System.out.flush();
        Thread.currentThread().join();
    }
}
