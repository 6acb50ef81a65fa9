package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DagSyncTest {

    @Test
    void a_changed_file_is_a_new_version_and_a_running_run_keeps_the_version_it_started_with() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            Path dir = Files.createTempDirectory("dags");
            Files.writeString(dir.resolve("v.yaml"), """
                    id: versioned
                    tasks:
                      - { id: slow, type: scripted, config: { sleep_ms: 800 } }
                    """);
            Files.writeString(dir.resolve("other.yaml"), "id: other\ntasks:\n  - { id: a, type: noop }\n");
            DagSync sync = new DagSync(e.dags(), h.types, dir);
            var first = sync.sync();
            assertThat(first.changed()).containsExactlyInAnyOrder("versioned", "other");
            assertThat(sync.sync().changed())
                    .as("unchanged files add no version")
                    .isEmpty();

            long run1 = h.trigger(e, "versioned", Map.of());
            Files.writeString(dir.resolve("v.yaml"), """
                    id: versioned
                    tasks:
                      - { id: slow, type: scripted, config: { sleep_ms: 800 } }
                      - { id: added, type: noop, depends_on: [slow] }
                    """);
            // a broken file is reported and does not stop the others
            Files.writeString(dir.resolve("broken.yaml"), "id: broken\ntasks:\n  - { id: a, type: nope }\n");
            var second = sync.sync();
            assertThat(second.changed()).containsExactly("versioned");
            assertThat(second.dags()).containsKeys("versioned", "other");
            assertThat(second.importErrors()).hasSize(1);
            assertThat(second.importErrors().values().iterator().next().get(0))
                    .contains("broken.yaml:3")
                    .contains("nope");
            assertThat(e.dags().importErrors()).hasSize(1);

            long run2 = h.trigger(e, "versioned", Map.of());
            assertThat(h.awaitRun(run1, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
            assertThat(h.awaitRun(run2, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
            assertThat(h.taskStates(run1)).containsOnlyKeys("slow");
            assertThat(h.taskStates(run2)).containsOnlyKeys("slow", "added");
            assertThat(h.db.dsl()
                            .fetch(
                                    "select v.version_no from dag_run r join dag_version v on v.id = r.dag_version_id where r.id in (?, ?) order by r.id",
                                    run1,
                                    run2)
                            .getValues(0, Integer.class))
                    .containsExactly(1, 2);

            Files.delete(dir.resolve("other.yaml"));
            sync.sync();
            assertThat(h.db.dsl().fetchValue("select is_active from dag where dag_id = 'other'"))
                    .isEqualTo(false);
        }
    }
}
