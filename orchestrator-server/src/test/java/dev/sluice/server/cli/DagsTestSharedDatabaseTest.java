package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.server.SluiceApp;
import dev.sluice.store.Json;
import dev.sluice.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jooq.Record;
import org.jooq.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice dags test X --dags B} against the database of a running server that loads folder A: the test stores
 * the version of X its run pins and nothing else, so the server's DAGs keep their versions, activity and schedules.
 */
class DagsTestSharedDatabaseTest {
    SluiceApp server;
    Path folderA;
    Path folderB;

    static String dag(String id, String schedule, String taskType) {
        return "id: " + id + "\n" + (schedule == null ? "" : "schedule: \"" + schedule + "\"\n")
                + "tasks:\n  - { id: only, type: " + taskType + " }\n";
    }

    @BeforeEach
    void startServer() throws Exception {
        Path home = Files.createTempDirectory("sluice-shared");
        folderA = Files.createDirectories(home.resolve("a"));
        folderB = Files.createDirectories(home.resolve("b"));
        Files.writeString(folderA.resolve("daily_retraining.yaml"), dag("daily_retraining", "0 3 * * *", "noop"));
        Files.writeString(folderA.resolve("hourly.yaml"), dag("hourly", "@hourly", "noop"));
        Files.writeString(folderB.resolve("x.yaml"), dag("x", null, "noop"));
        Files.writeString(folderB.resolve("other_b.yaml"), dag("other_b", "@daily", "noop"));
        // B's copy of an A DAG, edited: the test runs it, the server keeps A's
        Files.writeString(
                folderB.resolve("daily_retraining.yaml"),
                dag("daily_retraining", "@hourly", "shell")
                        .replace("type: shell }", "type: shell, config: { command: \"echo edited\" } }"));

        var engine = EngineConfig.defaults(home)
                .withHeartbeat(Duration.ofMillis(200))
                .withPollInterval(Duration.ofMillis(200));
        server = new SluiceApp(
                        SluiceConfig.from(Map.of("SLUICE_HOME", home.toString())),
                        TestDatabase.fresh(12),
                        folderA,
                        engine,
                        Clock.systemUTC())
                .start();
        System.setProperty("SLUICE_DB_URL", server.db.url());
        System.setProperty("SLUICE_DB_USER", "postgres");
        System.setProperty("SLUICE_DB_PASSWORD", "");
        System.setProperty("SLUICE_HOME", home.resolve("cli-home").toString());
    }

    @AfterEach
    void stopServer() {
        for (String k : new String[] {"SLUICE_DB_URL", "SLUICE_DB_USER", "SLUICE_DB_PASSWORD", "SLUICE_HOME"})
            System.clearProperty(k);
        server.close();
    }

    private Result<Record> dagRows() {
        return server.db
                .dsl()
                .fetch("select dag_id, is_active, latest_version_id, schedule, source_id, file_path"
                        + " from dag where dag_id in ('daily_retraining', 'hourly') order by dag_id");
    }

    private static Map<String, Object> dagsTest(String dagId, Path folder) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertThat(SluiceCli.run("dags", "test", dagId, "--dags", folder.toString(), "--json"))
                    .as(buf.toString())
                    .isZero();
        } finally {
            System.setOut(old);
        }
        return Json.map(buf.toString().trim());
    }

    private void assertServerDagsUntouched(Result<Record> before) {
        assertThat(dagRows()).isEqualTo(before);
        for (var row : before) assertThat(row.get("is_active")).isEqualTo(true);
        assertThat(server.scheduler.nextFire("daily_retraining")).isPresent();
        assertThat(server.scheduler.nextFire("hourly")).isPresent();
        // the server's next sync finds nothing to undo
        assertThat(server.dagSync.sync().changed()).isEmpty();
        assertThat(dagRows()).isEqualTo(before);
    }

    @Test
    void testing_a_dag_from_another_folder_stores_its_version_and_nothing_else() {
        var before = dagRows();

        assertThat(dagsTest("x", folderB)).containsEntry("state", "success");

        assertServerDagsUntouched(before);
        var dsl = server.db.dsl();
        assertThat(dsl.fetchValue("select count(*) from dag where dag_id = 'other_b'"))
                .isEqualTo(0L);
        assertThat(dsl.fetchValue("select count(*) from dag_version where dag_id = 'other_b'"))
                .isEqualTo(0L);
        // X is known now (its run is in the history) but nothing schedules or owns it
        var x = dsl.fetchOne("select is_active, source_id from dag where dag_id = 'x'");
        assertThat(x.get("is_active")).isEqualTo(false);
        assertThat(x.get("source_id")).isNull();
        assertThat(dsl.fetch("select r.run_type from dag_run r join dag_version v on v.id = r.dag_version_id"
                                + " where r.dag_id = 'x' and v.dag_id = 'x'")
                        .getValues(0, String.class))
                .containsExactly("test");
        assertThat(server.engine.dags().importErrors()).isEmpty();
    }

    @Test
    void testing_an_edited_copy_of_a_server_dag_runs_the_copy_and_leaves_the_server_its_own() {
        var before = dagRows();
        long serversVersion = (Long) before.get(0).get("latest_version_id");

        assertThat(dagsTest("daily_retraining", folderB)).containsEntry("state", "success");

        assertServerDagsUntouched(before);
        List<Object[]> runs = List.of(server.db
                .dsl()
                .fetch("select r.run_type, v.definition::text, v.id from dag_run r"
                        + " join dag_version v on v.id = r.dag_version_id where r.dag_id = 'daily_retraining'"
                        + " and r.run_type = 'test'")
                .intoArrays());
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0)[0]).isEqualTo("test");
        assertThat(runs.get(0)[1].toString()).contains("echo edited");
        assertThat(runs.get(0)[2]).isNotEqualTo(serversVersion);
    }

    /** The server's worker, woken by the same notifications, used to take some of a dags test run's tasks. */
    @Test
    void a_dags_test_run_is_executed_only_by_the_dags_test_process() throws Exception {
        StringBuilder wide = new StringBuilder("id: wide\ntasks:\n");
        for (int i = 0; i < 30; i++) wide.append("  - { id: t").append(i).append(", type: noop }\n");
        Files.writeString(folderB.resolve("wide.yaml"), wide.toString());

        assertThat(dagsTest("wide", folderB)).containsEntry("state", "success");

        var rows = server.db
                .dsl()
                .fetch("select t.worker_id, t.queue from task_instance t join dag_run r on r.id = t.run_id"
                        + " where r.dag_id = 'wide'");
        assertThat(rows).hasSize(30);
        assertThat(rows.getValues("worker_id", String.class))
                .doesNotContain(server.engine.workerId())
                .doesNotContainNull();
        assertThat(rows.getValues("queue", String.class))
                .allSatisfy(q -> assertThat(q).startsWith("_dags_test."));
    }

    /** max_active_runs counts every run of the DAG: a test run waits for the server's, and says so meanwhile. */
    @Test
    void a_dags_test_run_queued_behind_the_servers_run_says_so_and_starts_when_it_ends() throws Exception {
        Files.writeString(
                folderA.resolve("solo.yaml"),
                "id: solo\nmax_active_runs: 1\ntasks:\n"
                        + "  - { id: only, type: shell, config: { command: \"sleep 2\" } }\n");
        server.dagSync.sync();
        Instant date = Instant.parse("2026-01-01T00:00:00Z");
        long serverRun = server.engine.runs().createRun("solo", "manual", date, date, date, Map.of(), "me");
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> server.engine.runs().runState(serverRun) == dev.sluice.run.RunState.RUNNING);

        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        Map<String, Object> result;
        try {
            result = dagsTest("solo", folderA);
        } finally {
            System.setErr(oldErr);
        }
        assertThat(result).containsEntry("state", "success");
        assertThat(err.toString())
                .contains("waiting: DAG solo allows 1 active run(s) at a time and others are running");
        // it started only once the server's run had ended
        assertThat(server.engine.runs().runState(serverRun)).isEqualTo(dev.sluice.run.RunState.SUCCESS);
        var started =
                server.db.dsl().fetch("select started_at, ended_at from dag_run where dag_id = 'solo' order by id");
        assertThat(started).hasSize(2);
        assertThat(started.get(1).get("started_at", java.time.OffsetDateTime.class))
                .isAfterOrEqualTo(started.get(0).get("ended_at", java.time.OffsetDateTime.class));
    }
}
