package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Retry delays under an injected clock: nothing sleeps for the 10 s, 20 s, 25 s delays. */
class RetryBackoffTest {

    @Test
    void exponential_backoff_is_honoured_and_capped() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
        try (EngineHarness h = new EngineHarness()) {
            Engine engine = h.engine(h.config(), clock);
            long run = h.trigger(engine, h.fixture(engine, "retry_exponential_backoff"), Map.of());

            Duration[] expected = {Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(25)};
            for (int attempt = 1; attempt <= 3; attempt++) {
                awaitState(h, run, TaskState.UP_FOR_RETRY, attempt);
                var row = h.db.dsl().fetchOne("select ended_at, ready_at from task_instance where run_id = ?", run);
                Duration delay = Duration.between(row.get(0, OffsetDateTime.class), row.get(1, OffsetDateTime.class));
                assertThat(delay).as("delay before attempt %d", attempt + 1).isEqualTo(expected[attempt - 1]);

                // Just before the delay is over nothing runs, however often the worker is woken.
                clock.advance(expected[attempt - 1].minusMillis(1));
                engine.wake();
                Thread.sleep(300);
                assertThat(h.attemptStates(run, "flaky")).hasSize(attempt);

                clock.advance(Duration.ofMillis(1));
                engine.wake();
            }
            assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
            assertThat(h.attemptStates(run, "flaky")).containsExactly("failed", "failed", "failed", "success");
        }
    }

    private static void awaitState(EngineHarness h, long run, TaskState state, int attempts)
            throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            // one query: state and try number must be read together, or a claim between two reads fools the check
            var row = h.db.dsl()
                    .fetchOne(
                            "select state, try_number from task_instance where run_id = ? and task_id = 'flaky'", run);
            if (state.dbName().equals(row.get(0, String.class)) && row.get(1, Integer.class) == attempts) return;
            Thread.sleep(20);
        }
        throw new AssertionError(
                "flaky never reached " + state + " after " + attempts + " attempts: " + h.attemptStates(run, "flaky"));
    }
}
