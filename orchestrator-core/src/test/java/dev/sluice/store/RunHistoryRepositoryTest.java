package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.YamlDagParser;
import dev.sluice.engine.Engine;
import dev.sluice.run.RunState;
import dev.sluice.task.RunHistory;
import dev.sluice.testing.EngineHarness;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The run history plugins ask instead of reading the engine's tables: which past attempt is a good result. */
class RunHistoryRepositoryTest {

    @Test
    void the_latest_successful_attempt_skips_failed_runs_and_runs_after_the_date_and_attempts_are_found_by_key()
            throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            save(h, e, "history_ok", false);
            save(h, e, "history_bad", true);
            long first = h.trigger(e, "history_ok", Map.of());
            long second = h.trigger(e, "history_ok", Map.of());
            long failed = h.trigger(e, "history_bad", Map.of());
            assertThat(h.awaitRun(first, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
            assertThat(h.awaitRun(second, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
            assertThat(h.awaitRun(failed, Duration.ofSeconds(30))).isEqualTo(RunState.FAILED);
            long a1 = attempt(h, first), a2 = attempt(h, second), a3 = attempt(h, failed);
            RunHistory history = new RunHistoryRepository(h.db.dsl());

            // The failed run is the latest by logical date, and does not count.
            assertThat(history.latestSuccessful(List.of(a1, a2, a3), Instant.parse("2100-01-01T00:00:00Z")))
                    .get()
                    .satisfies(p -> {
                        assertThat(p.attemptKey()).isEqualTo(a2);
                        assertThat(p.runKey()).isEqualTo(second);
                        assertThat(p.logicalDate()).isEqualTo(logicalDate(h, second));
                    });
            // A backfill of the first day compares with that day, not with later ones.
            assertThat(history.latestSuccessful(List.of(a1, a2, a3), logicalDate(h, first)))
                    .get()
                    .extracting(RunHistory.PastAttempt::attemptKey)
                    .isEqualTo(a1);
            assertThat(history.latestSuccessful(List.of(a3), Instant.parse("2100-01-01T00:00:00Z")))
                    .isEmpty();
            assertThat(history.latestSuccessful(List.of(), Instant.parse("2100-01-01T00:00:00Z")))
                    .isEmpty();

            Map<Long, RunHistory.PastAttempt> found = history.attempts(List.of(a1, a3, 987_654_321L));
            assertThat(found).containsOnlyKeys(a1, a3);
            assertThat(found.get(a3).tryNumber()).isEqualTo(1);
            assertThat(found.get(a3).runId())
                    .isEqualTo(h.db.dsl()
                            .select(DAG_RUN.RUN_ID)
                            .from(DAG_RUN)
                            .where(DAG_RUN.ID.eq(failed))
                            .fetchOne(DAG_RUN.RUN_ID));
        }
    }

    private static void save(EngineHarness h, Engine e, String id, boolean fail) {
        String yaml = "id: " + id + "\ntasks:\n  - id: only\n    type: noop\n    config: { fail: " + fail + " }\n";
        h.save(e, new YamlDagParser(h.types).parse(yaml, id + ".yaml"));
    }

    private static long attempt(EngineHarness h, long runKey) {
        return h.db.dsl()
                .select(ATTEMPT.ID)
                .from(ATTEMPT)
                .join(TASK_INSTANCE)
                .on(TASK_INSTANCE.ID.eq(ATTEMPT.TASK_INSTANCE_ID))
                .where(TASK_INSTANCE.RUN_ID.eq(runKey))
                .fetchOne(ATTEMPT.ID);
    }

    private static Instant logicalDate(EngineHarness h, long runKey) {
        return h.db.dsl()
                .select(DAG_RUN.LOGICAL_DATE)
                .from(DAG_RUN)
                .where(DAG_RUN.ID.eq(runKey))
                .fetchOne(DAG_RUN.LOGICAL_DATE)
                .toInstant();
    }
}
