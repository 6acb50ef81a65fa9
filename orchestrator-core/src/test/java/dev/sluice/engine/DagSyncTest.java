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

    /**
     * The folder is re-read every few seconds and on every file event: a pass over unchanged files must write
     * nothing (a thousand DAG files rewrote two thousand rows every 5 s before), yet a DAG the database no longer
     * shows as this source's at its version is stored again.
     */
    @Test
    void an_unchanged_folder_costs_no_write_and_a_dag_changed_under_the_source_is_stored_again() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            Path dir = Files.createTempDirectory("dags");
            // more DAGs than one save batch holds
            for (int i = 0; i < 450; i++) {
                Files.writeString(
                        dir.resolve("d" + i + ".yaml"), "id: d" + i + "\ntasks:\n  - { id: a, type: noop }\n");
            }
            DagSync sync = new DagSync(e.dags(), h.types, dir);
            assertThat(sync.sync().changed()).hasSize(450);
            assertThat(h.db.dsl()
                            .fetchValue("select count(*) from dag where is_active and latest_version_id is not null"))
                    .isEqualTo(450L);
            // Any write to a row gives it a new xmin (the writing transaction's id).
            String rowVersions = "select string_agg(t, ',' order by t) from ("
                    + " select 'dag:' || dag_id || ':' || xmin::text as t from dag"
                    + " union all select 'version:' || id || ':' || xmin::text from dag_version"
                    + " union all select 'source:' || source_id || ':' || xmin::text from dag_source) x";
            String before = h.db.dsl().fetchValue(rowVersions).toString();
            var again = sync.sync();
            assertThat(again.changed()).isEmpty();
            assertThat(again.versionIds()).hasSize(450);
            String after = h.db.dsl().fetchValue(rowVersions).toString();
            // Only the source's heartbeat row (last synced at) is written.
            assertThat(after.replaceAll("source:[^,]*", "")).isEqualTo(before.replaceAll("source:[^,]*", ""));
            assertThat(after).isNotEqualTo(before);

            // Marked inactive behind the source's back (a restore, another tool): the next pass stores it again.
            h.db.dsl().execute("update dag set is_active = false where dag_id = 'd7'");
            var third = sync.sync();
            assertThat(third.changed()).as("same definition: no new version").isEmpty();
            assertThat(h.db.dsl().fetchValue("select is_active from dag where dag_id = 'd7'"))
                    .isEqualTo(true);

            Files.delete(dir.resolve("d3.yaml"));
            assertThat(sync.sync().retired()).containsExactly("d3");
            assertThat(sync.sync().retired()).isEmpty();
        }
    }

    @Test
    void a_file_event_syncs_the_folder_without_waiting_for_the_periodic_pass() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine e = h.engine();
            Path dir = Files.createTempDirectory("dags");
            Files.createDirectories(dir.resolve("team"));
            Files.writeString(dir.resolve("team/w.yaml"), "id: watched\ntasks:\n  - { id: a, type: noop }\n");
            DagSync sync = new DagSync(e.dags(), h.types, dir);
            sync.sync();
            var syncs = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            try (AutoCloseable watch = sync.watch(syncs, sync::sync)) {
                Files.writeString(
                        dir.resolve("team/w.yaml"),
                        "id: watched\ntasks:\n  - { id: a, type: noop }\n  - { id: b, type: noop }\n");
                org.awaitility.Awaitility.await()
                        .atMost(Duration.ofSeconds(3))
                        .until(() ->
                                sync.last().dags().get("watched").dag().tasks().size() == 2);
                // a folder made after the watch started is watched too
                Files.createDirectories(dir.resolve("team/new"));
                Files.writeString(dir.resolve("team/new/n.yaml"), "id: newer\ntasks:\n  - { id: a, type: noop }\n");
                org.awaitility.Awaitility.await()
                        .atMost(Duration.ofSeconds(3))
                        .until(() -> sync.last().dags().containsKey("newer"));
            } finally {
                syncs.shutdownNow();
            }
        }
    }
}
