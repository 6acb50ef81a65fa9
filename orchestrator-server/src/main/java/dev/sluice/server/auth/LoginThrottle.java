package dev.sluice.server.auth;

import static dev.sluice.server.db.jooq.Tables.LOGIN_THROTTLE;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Slows password guessing: failed logins are counted per username tried and per client address, in PostgreSQL so
 * that every node of a cluster sees the same counts. After a number of free failures each further failure locks
 * the subject for twice as long as the one before, up to a cap, counted from the last failure. While locked, a
 * login is refused before its password is checked — even the right one. Attempts refused that way are not
 * counted: a third party can keep a username locked for at most the cap at a time, never longer.
 *
 * <p>The normal path stays cheap: one indexed read of at most two rows before the password check, and a reset
 * after it only when the username had failures. The check and the count are not one atomic step, so parallel
 * guesses can each pass the check before any of them is counted: a few extra guesses per lock, bounded by the
 * attacker's concurrency and the cost of a password check.
 */
public final class LoginThrottle {
    /** Failed logins of one subject are forgotten after this long without another failure. */
    public static final Duration MEMORY = Duration.ofHours(1);

    private static final int PURGE_BATCH = 500;

    /** After {@code free} failures, locks of {@code first}, doubling with each further failure, at most {@code max}. */
    public record Policy(int free, Duration first, Duration max) {
        public Policy {
            if (free < 1
                    || first.isNegative()
                    || first.isZero()
                    || max.compareTo(first) < 0
                    || max.compareTo(MEMORY) > 0) {
                throw new IllegalArgumentException(
                        "bad login back-off policy: free=" + free + ", first=" + first + ", max=" + max);
            }
        }

        /** How long the subject stays locked after its {@code failures}-th failure in a row. */
        public Duration lockAfter(int failures) {
            if (failures < free) return Duration.ZERO;
            int doublings = failures - free;
            if (doublings >= 30) return max;
            Duration d = first.multipliedBy(1L << doublings);
            return d.compareTo(max) > 0 ? max : d;
        }
    }

    /** Per username: 5 failures, then 30 s, 1, 2, 4, 8 min, and 15 min from the 10th on. */
    public static final Policy PER_USERNAME = new Policy(5, Duration.ofSeconds(30), Duration.ofMinutes(15));
    /** Per client address (many users may share one, behind NAT): 30 failures, then the same steps. */
    public static final Policy PER_ADDRESS = new Policy(30, Duration.ofSeconds(30), Duration.ofMinutes(15));

    private final DSLContext dsl;
    private final Clock clock;
    private final Policy perUsername;
    private final Policy perAddress;

    public LoginThrottle(DSLContext dsl, Clock clock, Policy perUsername, Policy perAddress) {
        this.dsl = dsl;
        this.clock = clock;
        this.perUsername = perUsername;
        this.perAddress = perAddress;
    }

    public LoginThrottle(DSLContext dsl, Clock clock) {
        this(dsl, clock, PER_USERNAME, PER_ADDRESS);
    }

    /**
     * The state of one login attempt before its password is checked. {@code retryAfter} is zero when the attempt
     * may go on; {@code usernameFailures} tells whether a success has a counter to reset.
     */
    public record Check(Duration retryAfter, int usernameFailures) {
        public boolean locked() {
            return !retryAfter.isZero();
        }
    }

    /** After a failure: the username's failures in a row, and the lock it started (zero: none). */
    public record Failure(int usernameFailures, int addressFailures, Duration lock) {}

    static String userSubject(String username) {
        String lower = username.toLowerCase(Locale.ROOT);
        // Longer names cannot exist (usernames have at most 100 characters) but are still counted, under one key.
        return "user:" + (lower.length() > 100 ? lower.substring(0, 100) : lower);
    }

    static String addressSubject(String address) {
        return "addr:" + (address.length() > 100 ? address.substring(0, 100) : address);
    }

    public Check check(String username, String address) {
        String user = userSubject(username);
        Instant now = clock.instant();
        Duration wait = Duration.ZERO;
        int userFailures = 0;
        for (var r : dsl.select(LOGIN_THROTTLE.SUBJECT, LOGIN_THROTTLE.FAILURES, LOGIN_THROTTLE.LAST_FAILURE_AT)
                .from(LOGIN_THROTTLE)
                .where(LOGIN_THROTTLE.SUBJECT.in(user, addressSubject(address)))
                .fetch()) {
            Instant last = r.value3().toInstant();
            if (!last.isAfter(now.minus(MEMORY))) continue; // forgotten
            boolean isUser = r.value1().equals(user);
            if (isUser) userFailures = r.value2();
            Duration left = Duration.between(now, last.plus((isUser ? perUsername : perAddress).lockAfter(r.value2())));
            if (left.compareTo(wait) > 0) wait = left;
        }
        return new Check(wait, userFailures);
    }

    /** Counts a failed login for the username and the address, in one statement; forgets stale counters. */
    public Failure recordFailure(String username, String address) {
        String user = userSubject(username);
        OffsetDateTime now = clock.instant().atOffset(ZoneOffset.UTC);
        OffsetDateTime forgetBefore = now.minus(MEMORY);
        var counts = dsl.insertInto(
                        LOGIN_THROTTLE, LOGIN_THROTTLE.SUBJECT, LOGIN_THROTTLE.FAILURES, LOGIN_THROTTLE.LAST_FAILURE_AT)
                .values(user, 1, now)
                .values(addressSubject(address), 1, now)
                .onConflict(LOGIN_THROTTLE.SUBJECT)
                .doUpdate()
                .set(
                        LOGIN_THROTTLE.FAILURES,
                        DSL.when(LOGIN_THROTTLE.LAST_FAILURE_AT.le(forgetBefore), DSL.inline(1))
                                .otherwise(LOGIN_THROTTLE.FAILURES.plus(1)))
                .set(
                        LOGIN_THROTTLE.LAST_FAILURE_AT,
                        DSL.greatest(LOGIN_THROTTLE.LAST_FAILURE_AT, DSL.excluded(LOGIN_THROTTLE.LAST_FAILURE_AT)))
                .returningResult(LOGIN_THROTTLE.SUBJECT, LOGIN_THROTTLE.FAILURES)
                .fetch();
        int userFailures = 0, addressFailures = 0;
        for (var r : counts) {
            if (r.value1().equals(user)) userFailures = r.value2();
            else addressFailures = r.value2();
        }
        // Housekeeping on the failure path: a bounded batch, skipping rows another node is touching, so two
        // purges never wait for (or deadlock with) each other or with a count.
        dsl.deleteFrom(LOGIN_THROTTLE)
                .where(LOGIN_THROTTLE.SUBJECT.in(DSL.select(LOGIN_THROTTLE.SUBJECT)
                        .from(LOGIN_THROTTLE)
                        .where(LOGIN_THROTTLE.LAST_FAILURE_AT.le(forgetBefore))
                        .limit(PURGE_BATCH)
                        .forUpdate()
                        .skipLocked()))
                .execute();
        Duration lock = perUsername.lockAfter(userFailures);
        Duration addressLock = perAddress.lockAfter(addressFailures);
        return new Failure(userFailures, addressFailures, addressLock.compareTo(lock) > 0 ? addressLock : lock);
    }

    /** A successful login ends the username's back-off (not the address's: one good account must not reset it). */
    public void reset(String username) {
        dsl.deleteFrom(LOGIN_THROTTLE)
                .where(LOGIN_THROTTLE.SUBJECT.eq(userSubject(username)))
                .execute();
    }
}
