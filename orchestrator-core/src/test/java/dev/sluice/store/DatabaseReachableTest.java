package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A readiness probe answers within its bound, not after the pool's connection timeout. */
class DatabaseReachableTest {

    @Test
    void reachable_answers_within_its_bound_when_no_connection_can_be_had() throws Exception {
        try (Database db = TestDatabase.fresh(2)) {
            assertThat(db.reachable(Duration.ofSeconds(1))).isTrue();
            // Every pooled connection is taken: callers now wait for the pool (30 s by Hikari's default, 5 s here).
            try (Connection a = db.dataSource().getConnection();
                    Connection b = db.dataSource().getConnection()) {
                long t0 = System.nanoTime();
                boolean up = db.reachable(Duration.ofMillis(500));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(up).isFalse();
                assertThat(ms).as("answered in %d ms", ms).isLessThan(1500);
                // A second caller while the first probe still waits shares it instead of queueing another.
                assertThat(db.reachable(Duration.ofMillis(200))).isFalse();
            }
            // The stuck probe got its connection once it was released; the next probe is fresh and succeeds.
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> db.reachable(Duration.ofSeconds(1)));
        }
    }
}
