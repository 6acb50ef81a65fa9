package dev.sluice.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.store.Database;
import dev.sluice.testing.MutableClock;
import dev.sluice.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Back-off of failed logins: its steps, its cap, its memory, and counters shared by every node of a cluster. */
class LoginThrottleTest {
    private static Database db;
    private static Database secondNode;

    @BeforeAll
    static void open() {
        db = TestDatabase.fresh(4);
        // A second pool on the same database: what another Sluice process sees.
        secondNode = Database.connect(
                db.url(),
                System.getenv().getOrDefault("SLUICE_TEST_DB_USER", "postgres"),
                System.getenv().getOrDefault("SLUICE_TEST_DB_PASSWORD", ""),
                2);
    }

    @AfterAll
    static void close() {
        secondNode.close();
        db.close();
    }

    @ParameterizedTest
    @CsvSource({"1, 0", "4, 0", "5, 30", "6, 60", "7, 120", "8, 240", "9, 480", "10, 900", "11, 900", "1000, 900"})
    void per_username_steps_double_from_30_seconds_to_15_minutes(int failures, long lockSeconds) {
        assertThat(LoginThrottle.PER_USERNAME.lockAfter(failures)).isEqualTo(Duration.ofSeconds(lockSeconds));
    }

    @ParameterizedTest
    @CsvSource({"29, 0", "30, 30", "31, 60", "35, 900", "100000, 900"})
    void per_address_steps_start_after_30_failures(int failures, long lockSeconds) {
        assertThat(LoginThrottle.PER_ADDRESS.lockAfter(failures)).isEqualTo(Duration.ofSeconds(lockSeconds));
    }

    @Test
    void a_lock_never_outlives_the_memory_of_failures() {
        assertThatThrownBy(() -> new LoginThrottle.Policy(5, Duration.ofSeconds(30), Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void five_failures_lock_the_username_for_30_seconds_then_the_next_failure_for_a_minute() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        LoginThrottle t = new LoginThrottle(db.dsl(), clock);
        for (int i = 1; i <= 4; i++) {
            assertThat(t.check("Nina", "10.0.0.1").locked()).isFalse();
            assertThat(t.recordFailure("nina", "10.0.0.1").lock()).isZero();
        }
        var fifth = t.recordFailure("NINA", "10.0.0.2");
        assertThat(fifth.usernameFailures()).isEqualTo(5);
        assertThat(fifth.lock()).isEqualTo(Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(10));
        // Locked from any address, in any case: the lock belongs to the username.
        assertThat(t.check("nina", "10.9.9.9").retryAfter()).isEqualTo(Duration.ofSeconds(20));
        clock.advance(Duration.ofSeconds(20));
        var open = t.check("nina", "10.9.9.9");
        assertThat(open.locked()).isFalse();
        assertThat(open.usernameFailures()).isEqualTo(5);
        assertThat(t.recordFailure("nina", "10.9.9.9").lock()).isEqualTo(Duration.ofMinutes(1));
        assertThat(t.check("nina", "10.9.9.9").retryAfter()).isEqualTo(Duration.ofMinutes(1));
        // Another username is not affected.
        assertThat(t.check("otto", "10.9.9.9").locked()).isFalse();
    }

    @Test
    void a_success_resets_the_username_but_not_the_address() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:00:00Z"));
        LoginThrottle t = new LoginThrottle(db.dsl(), clock);
        for (int i = 0; i < 4; i++) t.recordFailure("pia", "10.1.0.1");
        t.reset("PIA");
        assertThat(t.check("pia", "10.1.0.1").usernameFailures()).isZero();
        assertThat(t.recordFailure("pia", "10.1.0.1").addressFailures()).isEqualTo(5);
    }

    @Test
    void many_usernames_from_one_address_lock_that_address_only() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-03T10:00:00Z"));
        LoginThrottle t = new LoginThrottle(db.dsl(), clock);
        for (int i = 1; i <= 29; i++)
            assertThat(t.recordFailure("sprayed" + i, "198.51.100.7").lock()).isZero();
        var last = t.recordFailure("sprayed30", "198.51.100.7");
        assertThat(last.addressFailures()).isEqualTo(30);
        assertThat(last.lock()).isEqualTo(Duration.ofSeconds(30));
        assertThat(t.check("someone-else", "198.51.100.7").retryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(t.check("someone-else", "198.51.100.8").locked()).isFalse();
    }

    @Test
    void the_nodes_of_a_cluster_share_the_counts() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-04T10:00:00Z"));
        LoginThrottle first = new LoginThrottle(db.dsl(), clock);
        LoginThrottle second = new LoginThrottle(secondNode.dsl(), clock);
        for (int i = 0; i < 5; i++) (i % 2 == 0 ? first : second).recordFailure("quentin", "10.2.0." + i);
        assertThat(first.check("quentin", "10.3.0.1").locked()).isTrue();
        assertThat(second.check("quentin", "10.3.0.1").locked()).isTrue();
    }

    @Test
    void failures_are_forgotten_after_an_hour_without_one() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-05T10:00:00Z"));
        LoginThrottle t = new LoginThrottle(db.dsl(), clock);
        for (int i = 0; i < 4; i++) t.recordFailure("rita", "10.4.0.1");
        clock.advance(LoginThrottle.MEMORY.plusSeconds(1));
        assertThat(t.check("rita", "10.4.0.1").usernameFailures()).isZero();
        // The next failure starts the count again, and stale rows of others are deleted on the way.
        t.recordFailure("stale-user", "10.4.0.2");
        clock.advance(LoginThrottle.MEMORY.plusSeconds(1));
        var next = t.recordFailure("rita", "10.4.0.1");
        assertThat(next.usernameFailures()).isEqualTo(1);
        assertThat(next.addressFailures()).isEqualTo(1);
        assertThat(db.dsl()
                        .fetchCount(db.dsl()
                                .selectFrom("login_throttle")
                                .where("subject like '%stale-user%' or subject = 'addr:10.4.0.2'")))
                .isZero();
    }
}
