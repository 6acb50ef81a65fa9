package dev.sluice.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether this node may declare other workers dead. A peer's stale heartbeat proves nothing when this node could
 * not see the database either: after an outage every node's heartbeat is old, and the first to reconnect would
 * otherwise judge healthy peers dead by writes that were impossible (db-scheduler judges only after the detector
 * has been connected for longer than the threshold). So a node earns the right to judge by an unbroken series of
 * its own successful heartbeats lasting at least the dead-after time; a failed heartbeat, or a gap between two
 * successful ones longer than {@code maxGap} (a pause, a freeze), starts the series again.
 */
final class PeerJudge {
    private final Duration deadAfter;
    private final Duration maxGap;
    private Instant lastBeat;
    private Instant unbrokenSince;

    PeerJudge(Duration deadAfter, Duration maxGap) {
        this.deadAfter = deadAfter;
        this.maxGap = maxGap;
    }

    synchronized void beatSucceeded(Instant now) {
        if (lastBeat == null || Duration.between(lastBeat, now).compareTo(maxGap) > 0) unbrokenSince = now;
        lastBeat = now;
    }

    synchronized void beatFailed() {
        lastBeat = null;
        unbrokenSince = null;
    }

    /**
     * How long this node's own view of the database has been unbroken (zero when it is broken now): peers that
     * declared a longer dead-after than this are not judged yet.
     */
    synchronized Duration unbrokenFor(Instant now) {
        if (lastBeat == null
                || unbrokenSince == null
                || Duration.between(lastBeat, now).compareTo(maxGap) > 0) return Duration.ZERO;
        return Duration.between(unbrokenSince, now);
    }

    /** True when this node's own view of the database has been unbroken for at least the dead-after time. */
    synchronized boolean mayJudge(Instant now) {
        return lastBeat != null
                && unbrokenSince != null
                && Duration.between(lastBeat, now).compareTo(maxGap) <= 0
                && Duration.between(unbrokenSince, now).compareTo(deadAfter) >= 0;
    }
}
