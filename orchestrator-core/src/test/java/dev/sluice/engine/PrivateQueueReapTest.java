package dev.sluice.engine;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.RetryBackoff;
import dev.sluice.dag.TaskDef;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.store.TaskInstanceRepository;
import dev.sluice.store.WorkerRepository;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A `sluice dags test` process serves a queue of its own. Killed while its task ran, its attempt is lost; a retry
 * would wait on a queue nobody will ever serve again, keeping the run (and, behind max_active_runs, the DAG's next
 * runs) waiting for ever. The reaper fails such a task instead, retries left or not; tasks on shared queues are
 * still retried.
 */
class PrivateQueueReapTest {
    private EngineHarness h;

    @AfterEach
    void close() throws Exception {
        if (h != null) h.close();
    }

    @Test
    void a_task_lost_with_the_only_process_serving_its_queue_fails_instead_of_waiting_for_a_retry() throws Exception {
        h = new EngineHarness();
        Engine judge = h.engine(h.config(), Clock.systemUTC()); // reaper every 100 ms
        TaskDef task = TestDags.withRetries(
                TestDags.task("work", "noop", List.of(), Map.of()), 2, Duration.ofMillis(10), RetryBackoff.FIXED);
        h.save(judge, TestDags.dag("private_q", 1, List.of(task)));
        String privateQueue = dev.sluice.dag.TaskDef.PRIVATE_QUEUE_PREFIX + "gone";
        Instant now = Instant.now();
        long testRun = judge.runs().createRun("private_q", "test", now, now, now, Map.of(), "cli", privateQueue);

        // The dags test process: registered for its queue, claims the task, then dies without a word.
        var workers = new WorkerRepository(h.db.dsl());
        workers.register("dags-test-proc", "h", 4, List.of(privateQueue), "standalone", now, Duration.ofSeconds(1));
        var claimed = new TaskInstanceRepository()
                .claim(h.db.dsl(), "dags-test-proc", List.of(privateQueue), 1, Instant.now(), judge.logs());
        assertThat(claimed).hasSize(1);
        workers.markStopped("dags-test-proc", Instant.now());

        assertThat(h.awaitRun(testRun, Duration.ofSeconds(10))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(testRun)).containsEntry("work", TaskState.FAILED);
        assertThat(h.attemptStates(testRun, "work")).containsExactly("lost");
        assertThat(h.error(testRun, "work")).contains("the only one serving its queue");
        assertThat(h.db.dsl().fetchCount(ATTEMPT)).isEqualTo(1); // no retry was queued or run
        assertThat(h.db.dsl()
                        .select(TASK_INSTANCE.MAX_TRIES)
                        .from(TASK_INSTANCE)
                        .where(TASK_INSTANCE.RUN_ID.eq(testRun))
                        .fetchOne(TASK_INSTANCE.MAX_TRIES))
                .isEqualTo(3); // its retries were not spent: it failed because nobody could run them
    }
}
