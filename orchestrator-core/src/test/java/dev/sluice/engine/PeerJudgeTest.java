package dev.sluice.engine;

import static dev.sluice.db.jooq.Tables.WORKER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.store.WorkerRepository;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Liveness is never judged across a gap in the judge's own view of the database. */
class PeerJudgeTest {
    static final Instant T0 = Instant.parse("2026-05-01T00:00:00Z");
    EngineHarness h;

    @AfterEach
    void close() throws Exception {
        if (h != null) h.close();
    }

    @Test
    void a_judge_needs_an_unbroken_series_of_its_own_beats_as_long_as_dead_after() {
        PeerJudge judge = new PeerJudge(Duration.ofSeconds(10), Duration.ofSeconds(4));
        assertThat(judge.mayJudge(T0)).isFalse();
        for (int s = 0; s <= 8; s += 2) judge.beatSucceeded(T0.plusSeconds(s));
        assertThat(judge.mayJudge(T0.plusSeconds(9))).isFalse();
        judge.beatSucceeded(T0.plusSeconds(10));
        assertThat(judge.mayJudge(T0.plusSeconds(10))).isTrue();
        // Its own beats stopped (it cannot see the database, or froze): no judging on the old series.
        assertThat(judge.mayJudge(T0.plusSeconds(15))).isFalse();
        // Back after a 27 s outage: the series starts again.
        judge.beatSucceeded(T0.plusSeconds(37));
        assertThat(judge.mayJudge(T0.plusSeconds(37))).isFalse();
        judge.beatSucceeded(T0.plusSeconds(47));
        assertThat(judge.mayJudge(T0.plusSeconds(47))).isFalse(); // 37 -> 47 was itself a gap
        for (int s = 49; s <= 55; s += 2) judge.beatSucceeded(T0.plusSeconds(s));
        assertThat(judge.mayJudge(T0.plusSeconds(55))).isFalse();
        judge.beatSucceeded(T0.plusSeconds(57));
        assertThat(judge.mayJudge(T0.plusSeconds(57))).isTrue(); // unbroken since 47
        judge.beatFailed();
        assertThat(judge.mayJudge(T0.plusSeconds(60))).isFalse();
    }

    /**
     * After a database outage every peer's heartbeat is old. The engine that reconnects first used to declare
     * them dead at once, and their owners then killed finished work. Now it waits until its own view has been
     * unbroken for the dead-after time; a peer that is really silent is still declared dead after that.
     */
    @Test
    void after_a_gap_in_its_own_heartbeats_an_engine_does_not_declare_peers_dead_until_it_has_seen_them_long_enough()
            throws Exception {
        h = new EngineHarness();
        MutableClock clock = new MutableClock(T0);
        Engine judge = h.engine(h.config(), clock); // heartbeat 200 ms, dead after 1 s
        WorkerRepository workers = new WorkerRepository(h.db.dsl());
        String peer = "peer-" + System.nanoTime();
        workers.register(peer, "elsewhere", 4, T0);

        // The outage, as the judge sees it: 30 s in which neither it nor the peer could write a heartbeat.
        clock.advance(Duration.ofSeconds(30));
        awaitOwnHeartbeatAt(judge, clock.instant());
        // Give the reaper (every 200 ms) several chances to act on the stale peer.
        await().pollDelay(Duration.ofMillis(1200)).until(() -> true);
        assertThat(stoppedAt(peer))
                .as("a healthy peer is not declared dead right after the outage")
                .isNull();

        // The judge's own view stays unbroken for longer than dead-after; the peer really stays silent.
        for (int i = 0; i < 8; i++) {
            clock.advance(Duration.ofMillis(150));
            awaitOwnHeartbeatAt(judge, clock.instant());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stoppedAt(peer) != null);
    }

    /**
     * A node tuned for quick failover (dead after 1 s) beside one with longer heartbeats (dead after 2 s, as it
     * declared): the first used to declare the second dead between two of its beats and retry its running tasks.
     */
    @Test
    void a_peer_is_judged_by_the_dead_after_it_declared_not_by_the_judges_own() throws Exception {
        h = new EngineHarness();
        MutableClock clock = new MutableClock(T0);
        Engine judge = h.engine(h.config(), clock); // heartbeat 200 ms, dead after 1 s
        WorkerRepository workers = new WorkerRepository(h.db.dsl());
        String peer = "slow-peer-" + System.nanoTime();
        workers.register(peer, "elsewhere", 4, java.util.List.of("default"), "worker", T0, Duration.ofSeconds(2));

        for (int i = 0; i < 9; i++) { // 1.35 s: past the judge's own dead-after, inside the peer's
            clock.advance(Duration.ofMillis(150));
            awaitOwnHeartbeatAt(judge, clock.instant());
        }
        await().pollDelay(Duration.ofMillis(800)).until(() -> true); // the reaper looks every 100 ms
        assertThat(stoppedAt(peer))
                .as("silent 1.35 s, within the 2 s it declared")
                .isNull();

        for (int i = 0; i < 6; i++) { // 2.25 s: now past the peer's own, over a span the judge watched
            clock.advance(Duration.ofMillis(150));
            awaitOwnHeartbeatAt(judge, clock.instant());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> stoppedAt(peer) != null);
    }

    private void awaitOwnHeartbeatAt(Engine e, Instant t) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> heartbeatAt(e.workerId()).equals(t));
    }

    private Instant heartbeatAt(String workerId) {
        OffsetDateTime t = h.db.dsl()
                .select(WORKER.HEARTBEAT_AT)
                .from(WORKER)
                .where(WORKER.WORKER_ID.eq(workerId))
                .fetchOne()
                .value1();
        return t.toInstant();
    }

    private OffsetDateTime stoppedAt(String workerId) {
        return h.db.dsl()
                .select(WORKER.STOPPED_AT)
                .from(WORKER)
                .where(WORKER.WORKER_ID.eq(workerId))
                .fetchOne()
                .value1();
    }
}
