package dev.sluice.server.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.store.DagRepository;
import dev.sluice.store.Database;
import dev.sluice.store.WorkerRepository;
import dev.sluice.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which worker rows count as serving a queue: live by the database's clock, not stopped, with slots. */
class ServedQueuesTest {
    static Database db;
    static TaskQueries queries;
    static WorkerRepository workers;

    @BeforeAll
    static void open() {
        db = TestDatabase.fresh(2);
        queries = new TaskQueries(db.dsl(), new DagRepository(db.dsl(), Clock.systemUTC()), Duration.ofSeconds(10));
        workers = new WorkerRepository(db.dsl());
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void only_a_live_worker_with_slots_serves_its_queues() {
        Instant now = Instant.now();
        workers.register("live-gpu", "h", 2, List.of("gpu", "default"), "worker", now);
        workers.register("silent-cpu", "h", 2, List.of("cpu"), "worker", now.minus(Duration.ofMinutes(5)));
        workers.register("stopped-tpu", "h", 2, List.of("tpu"), "worker", now);
        workers.markStopped("stopped-tpu", now);
        // A scheduler or server registers no slots; an old row that still lists a queue does not serve it.
        workers.register("server", "h", 0, List.of("io"), "server", now);

        assertThat(queries.servedQueues()).containsExactlyInAnyOrder("gpu", "default");
    }

    @Test
    void only_a_claimable_task_on_an_unserved_queue_waits_for_a_worker() {
        Set<String> served = Set.of("default");
        assertThat(TaskQueries.waitingFor("queued", "gpu", served)).isEqualTo("no live worker serves queue gpu");
        assertThat(TaskQueries.waitingFor("up_for_retry", "gpu", served)).isEqualTo("no live worker serves queue gpu");
        assertThat(TaskQueries.waitingFor("queued", "default", served)).isNull();
        // Waiting on upstream tasks, running or finished: a worker is not what it waits for.
        assertThat(TaskQueries.waitingFor("pending", "gpu", served)).isNull();
        assertThat(TaskQueries.waitingFor("running", "gpu", served)).isNull();
        assertThat(TaskQueries.waitingFor("success", "gpu", served)).isNull();
    }
}
