package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.TaskDef;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two engines on one database share thousands of tasks; none runs twice (db-scheduler's ClusterTests idea). */
class TwoEnginesTest {

    @Test
    void two_engines_run_thousands_of_tasks_and_none_twice() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine a = h.engine(h.config().withWorkerId("engine-a").withSlots(16), java.time.Clock.systemUTC());
            Engine b = h.engine(h.config().withWorkerId("engine-b").withSlots(16), java.time.Clock.systemUTC());
            List<TaskDef> tasks = new ArrayList<>();
            List<String> middle = new ArrayList<>();
            tasks.add(TestDags.task("start", "noop", List.of(), Map.of()));
            for (int i = 0; i < 498; i++) {
                tasks.add(TestDags.task("m" + i, "noop", List.of("start"), Map.of()));
                middle.add("m" + i);
            }
            tasks.add(TestDags.task("end", "noop", middle, Map.of()));
            h.save(a, TestDags.dag("wide", 100, tasks));
            List<Long> runs = new ArrayList<>();
            for (int r = 0; r < 8; r++) runs.add(h.trigger(r % 2 == 0 ? a : b, "wide", Map.of()));
            for (long run : runs)
                assertThat(h.awaitRun(run, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCESS);

            var dsl = h.db.dsl();
            assertThat(dsl.fetchValue("select count(*) from task_instance")).isEqualTo(4000L);
            assertThat(dsl.fetchValue("select count(*) from attempt"))
                    .as("one attempt per task")
                    .isEqualTo(4000L);
            assertThat(dsl.fetchValue("select count(*) from task_instance where try_number <> 1 or state <> 'success'"))
                    .isEqualTo(0L);
            var perWorker = dsl.fetch("select worker_id, count(*) from attempt group by worker_id");
            assertThat(perWorker).as("both engines did work: %s", perWorker).hasSize(2);
        }
    }
}
