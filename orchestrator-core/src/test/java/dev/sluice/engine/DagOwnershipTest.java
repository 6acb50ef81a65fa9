package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.DagFileLimits;
import dev.sluice.schedule.SchedulerConfig;
import dev.sluice.schedule.SchedulerService;
import dev.sluice.testing.EngineHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several DAG folders (nodes with different or partial folders) on one database: each DAG belongs to the source
 * that loaded it, and no other source retires, unschedules or re-versions it.
 */
class DagOwnershipTest {
    EngineHarness h;
    Engine engine;
    Path a;
    Path b;

    @BeforeEach
    void setUp() throws Exception {
        h = new EngineHarness();
        engine = h.engine();
        a = Files.createTempDirectory("dags-a");
        b = Files.createTempDirectory("dags-b");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    static String dag(String id, String schedule, String command) {
        return "id: " + id + "\n" + (schedule == null ? "" : "schedule: \"" + schedule + "\"\n")
                + "tasks:\n  - { id: t, type: shell, config: { command: \"" + command + "\" } }\n";
    }

    private DagSync sync(Path folder) {
        return new DagSync(engine.dags(), h.types, folder);
    }

    private Object column(String column, String dagId) {
        return h.db.dsl().fetchValue("select " + column + " from dag where dag_id = ?", dagId);
    }

    @Test
    void a_second_folder_on_the_same_database_never_retires_or_unschedules_the_first_folders_dags() throws Exception {
        Files.writeString(a.resolve("nightly.yaml"), dag("nightly", "0 3 * * *", "echo a"));
        Files.writeString(a.resolve("hourly.yaml"), dag("hourly", "@hourly", "echo a"));
        Files.writeString(b.resolve("other.yaml"), dag("other", "@daily", "echo b"));
        DagSync syncA = sync(a);
        DagSync syncB = sync(b);
        try (SchedulerService scheduler = new SchedulerService(engine, SchedulerConfig.defaults())) {
            // two nodes, one Quartz store: each node's sync re-reads every schedule
            syncA.onSync(scheduler::onSync);
            syncB.onSync(scheduler::onSync);

            syncA.sync();
            syncB.sync();
            syncA.sync();

            for (String id : new String[] {"nightly", "hourly", "other"}) {
                assertThat(column("is_active", id)).as(id + " active").isEqualTo(true);
                assertThat(scheduler.nextFire(id)).as(id + " scheduled").isPresent();
            }
            assertThat(column("source_id", "nightly")).isEqualTo(a.toRealPath().toString());
            assertThat(column("source_id", "other")).isEqualTo(b.toRealPath().toString());

            // B's file goes: only B's DAG is retired
            Files.delete(b.resolve("other.yaml"));
            syncB.sync();
            assertThat(column("is_active", "other")).isEqualTo(false);
            assertThat(scheduler.nextFire("other")).isEmpty();
            for (String id : new String[] {"nightly", "hourly"}) {
                assertThat(column("is_active", id)).as(id + " active").isEqualTo(true);
                assertThat(scheduler.nextFire(id)).as(id + " scheduled").isPresent();
            }
        }
    }

    @Test
    void a_dag_id_in_two_live_folders_stays_with_its_owner_until_the_owner_retires_it_or_stops_syncing()
            throws Exception {
        Files.writeString(a.resolve("shared.yaml"), dag("shared", "@daily", "echo from a"));
        Path bFile = Files.writeString(b.resolve("shared.yaml"), dag("shared", "@hourly", "echo from b"));
        DagSync syncA = sync(a);
        DagSync syncB = sync(b);
        syncA.sync();
        long ownersVersion = engine.dags().latestVersionId("shared").orElseThrow();

        var refused = syncB.sync();

        assertThat(refused.dags()).isEmpty();
        assertThat(refused.importErrors().get(bFile.toString()))
                .singleElement()
                .asString()
                .startsWith(bFile + ":1: id: DAG id 'shared' belongs to the DAG source '" + a.toRealPath() + "'")
                .contains("still syncing");
        assertThat(engine.dags().latestVersionId("shared")).contains(ownersVersion);
        assertThat(column("schedule", "shared")).isEqualTo("@daily");
        assertThat(h.db.dsl().fetchValue("select count(*) from dag_version where dag_id = 'shared'"))
                .isEqualTo(1L);
        assertThat(engine.dags().importErrors()).containsOnlyKeys(bFile.toString());

        // an owner that stopped syncing gives the DAG up (here: at once)
        new DagSync(engine.dags(), h.types, b, null, DagFileLimits.DEFAULT, Duration.ZERO).sync();
        assertThat(column("source_id", "shared")).isEqualTo(b.toRealPath().toString());
        assertThat(column("schedule", "shared")).isEqualTo("@hourly");
        assertThat(column("file_path", "shared")).isEqualTo(bFile.toString());
        assertThat(engine.dags().importErrors()).isEmpty();

        // and one that retired it too: B drops the file, A (live) may load it again
        Files.delete(bFile);
        syncB.sync();
        assertThat(column("is_active", "shared")).isEqualTo(false);
        syncA.sync();
        assertThat(column("is_active", "shared")).isEqualTo(true);
        assertThat(column("source_id", "shared")).isEqualTo(a.toRealPath().toString());
        assertThat(engine.dags().latestVersionId("shared")).contains(ownersVersion);
    }

    @Test
    void each_folder_keeps_its_own_import_errors() throws Exception {
        Path broken = Files.writeString(a.resolve("broken.yaml"), "id: broken\ntasks:\n  - { id: t, type: nope }\n");
        Files.writeString(b.resolve("fine.yaml"), dag("fine", null, "true"));

        sync(a).sync();
        sync(b).sync();

        assertThat(engine.dags().importErrors()).containsOnlyKeys(broken.toString());
    }

    @Test
    void dags_stored_before_sources_existed_are_retired_only_by_the_folder_that_holds_their_file() throws Exception {
        Files.writeString(a.resolve("kept.yaml"), dag("kept", null, "true"));
        var parser = new dev.sluice.dag.YamlDagParser(h.types);
        // as a version without sources stored them: no owner
        engine.dags()
                .save(
                        parser.parse(dag("gone_from_a", null, "true"), "x"),
                        a.resolve("gone.yaml").toString(),
                        "");
        engine.dags().save(parser.parse(dag("elsewhere", null, "true"), "x"), "/srv/other-dags/elsewhere.yaml", "");

        sync(a).sync();

        assertThat(column("is_active", "kept")).isEqualTo(true);
        assertThat(column("is_active", "gone_from_a")).isEqualTo(false);
        assertThat(column("is_active", "elsewhere")).as("not A's to retire").isEqualTo(true);
    }

    @Test
    void a_named_source_is_one_source_whatever_path_its_folder_has_on_each_node() throws Exception {
        Files.writeString(a.resolve("nightly.yaml"), dag("nightly", null, "true"));
        Files.writeString(b.resolve("nightly.yaml"), dag("nightly", null, "true"));
        DagSync nodeOne = new DagSync(engine.dags(), h.types, a, "team-dags", DagFileLimits.DEFAULT);
        DagSync nodeTwo = new DagSync(engine.dags(), h.types, b, "team-dags", DagFileLimits.DEFAULT);

        nodeOne.sync();
        var second = nodeTwo.sync();

        assertThat(second.importErrors()).isEmpty();
        assertThat(second.dags()).containsOnlyKeys("nightly");
        assertThat(column("source_id", "nightly")).isEqualTo("team-dags");
    }
}
