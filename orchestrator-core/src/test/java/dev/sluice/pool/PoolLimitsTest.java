package dev.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.Dag;
import dev.sluice.dag.DagBuilder;
import dev.sluice.run.RunState;
import dev.sluice.store.DagRepository;
import dev.sluice.store.PoolRepository;
import dev.sluice.testing.ConcurrencyProbeTask;
import dev.sluice.testing.EngineHarness;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pool slots and max_active_tasks hold across two workers claiming at once, and queued work waits rather than
 * being dropped. The limits are set before the engines start: a claim re-reads whether limits can bind at most
 * once a second.
 */
class PoolLimitsTest {
    static EngineHarness h;
    static ConcurrencyProbeTask probe = new ConcurrencyProbeTask();
    static PoolRepository pools;

    static Dag wide(String id, int tasks, String pool, int maxActiveTasks, String group) {
        DagBuilder b = DagBuilder.dag(id).maxActiveTasks(maxActiveTasks).maxActiveRuns(4);
        for (int i = 0; i < tasks; i++) {
            b.task("p" + i, "probe", t -> t.pool(pool).config("group", group).config("sleep_ms", 150));
        }
        return b.build(h.types);
    }

    @BeforeAll
    static void start() throws Exception {
        h = new EngineHarness();
        h.types.register(probe);
        pools = new PoolRepository(h.db.dsl());
        pools.put("gpu", 2, "two GPUs");
        var dags = new DagRepository(h.db.dsl(), Clock.systemUTC());
        for (Dag d : List.of(
                wide("gpu_jobs", 8, "gpu", 64, "gpu"),
                wide("gpu_jobs_too", 6, "gpu", 64, "gpu"),
                wide("narrow", 10, "default", 3, "narrow"),
                wide("free", 12, "default", 64, "free"))) {
            dags.save(d, h.home.resolve(d.id() + ".yaml").toString(), null);
        }
        h.engine(h.config().withSlots(16).withWorkerId("w1"), Clock.systemUTC());
        h.engine(h.config().withSlots(16).withWorkerId("w2"), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void pools_and_max_active_tasks_are_never_exceeded_and_nothing_is_dropped() throws Exception {
        var engine = h.engine();
        List<Long> runs = new ArrayList<>();
        for (String dag : List.of("gpu_jobs", "gpu_jobs_too", "narrow", "free")) {
            runs.add(h.trigger(engine, dag, Map.of()));
            runs.add(h.trigger(engine, dag, Map.of()));
        }
        for (long run : runs)
            assertThat(h.awaitRun(run, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCESS);

        // Two pools' worth of DAGs share the gpu pool's two slots.
        assertThat(probe.maxConcurrent("gpu")).isBetween(1, 2);
        // max_active_tasks counts a DAG's tasks across all its runs.
        assertThat(probe.maxConcurrent("narrow")).isBetween(1, 3);
        // Unlimited work was not held back to the limits of others.
        assertThat(probe.maxConcurrent("free")).isGreaterThan(3);
        assertThat(pools.usage())
                .filteredOn(u -> u.name().equals("gpu"))
                .singleElement()
                .satisfies(u -> assertThat(u.running()).isZero());
    }

    @Test
    void the_default_pool_exists_and_cannot_be_deleted() {
        assertThat(pools.get("default"))
                .hasValueSatisfying(p -> assertThat(p.slots()).isEqualTo(128));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> pools.delete("default"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(pools.unknown(List.of("gpu", "tpu", "default"))).containsExactly("tpu");
    }
}
