package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.store.Database;
import dev.sluice.store.Json;
import dev.sluice.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CLI contract: exit codes, file:line: messages, and the exact --json summary. */
class DagsCommandTest {
    static Database db;
    static Path dags;

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.fresh();
        System.setProperty("SLUICE_DB_URL", db.url());
        System.setProperty("SLUICE_DB_USER", "postgres");
        System.setProperty("SLUICE_DB_PASSWORD", "");
        System.setProperty(
                "SLUICE_HOME", Files.createTempDirectory("sluice-cli").toString());
        dags = Files.createTempDirectory("dags");
        Files.writeString(dags.resolve("ok.yaml"), """
                id: ok_dag
                params:
                  n: { type: integer, default: 2 }
                tasks:
                  - { id: first, type: shell, config: { command: "echo {{ params.n }}" } }
                  - { id: second, type: noop, depends_on: [first] }
                """);
        Files.writeString(dags.resolve("ranged.yaml"), """
                id: ranged_dag
                params:
                  rows: { type: integer, default: 5, minimum: 1, maximum: 1000 }
                  ratio: { type: number, default: 0.5 }
                  mode: { type: string, default: fast, enum: [fast, slow] }
                tasks:
                  - { id: only, type: noop }
                """);
        Files.writeString(dags.resolve("branchy.yaml"), """
                id: branchy_dag
                params:
                  full: { type: boolean, default: false }
                tasks:
                  - { id: pick, type: branch, config: { choose: "{% if params.full %}full{% else %}incremental{% endif %}" } }
                  - { id: full, type: noop, depends_on: [pick], group: load }
                  - { id: incremental, type: noop, depends_on: [pick], group: load }
                  - { id: join, type: noop, depends_on: [full, incremental], trigger_rule: none_failed_min_one_success }
                """);
        Files.writeString(dags.resolve("resched.yaml"), """
                id: resched_dag
                tasks:
                  - id: wait
                    type: sensor.file
                    config:
                      path: /nonexistent/sluice-cli-sensor/*.done
                      mode: reschedule
                      poke_interval: 1s
                      timeout: 3s
                      soft_fail: true
                """);
        Files.writeString(dags.resolve("mapped.yaml"), """
                id: mapped_dag
                tasks:
                  - id: list
                    type: shell
                    config:
                      command: |
                        echo '{"files": ["a", "b", "c"]}' > "$SLUICE_OUTPUT"
                  - id: each
                    type: shell
                    depends_on: [list]
                    expand: { file: "{{ tasks.list.output.files }}" }
                    config: { command: "echo {{ expand.file }}" }
                  - { id: after, type: noop, depends_on: [each] }
                """);
        Files.writeString(dags.resolve("narrow.yaml"), """
                id: narrow_dag
                max_active_tasks: 3
                tasks:
                  - { id: a, type: noop }
                  - { id: b, type: noop }
                """);
        Files.writeString(dags.resolve("fails.yaml"), """
                id: failing_dag
                tasks:
                  - { id: boom, type: shell, retries: 1, retry_delay: 10ms, config: { command: "exit 3" } }
                  - { id: after, type: noop, depends_on: [boom] }
                """);
    }

    @AfterAll
    static void tearDown() {
        for (String k : new String[] {"SLUICE_DB_URL", "SLUICE_DB_USER", "SLUICE_DB_PASSWORD", "SLUICE_HOME"})
            System.clearProperty(k);
        db.close();
    }

    record Result(int exit, String out) {}

    static Result run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            int exit = SluiceCli.run(args);
            return new Result(exit, buf.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void validate_passes_a_valid_folder_and_names_file_and_line_of_errors() throws Exception {
        assertThat(run("dags", "validate", dags.toString()).exit()).isEqualTo(0);
        Path bad = Files.createTempDirectory("bad-dags");
        Files.writeString(
                bad.resolve("typo.yaml"), "id: typo\ntasks:\n  - id: a\n    type: noop\n    depend_on: [x]\n");
        Result r = run("dags", "validate", bad.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("typo.yaml:5:").contains("depend_on").contains("depends_on");
    }

    @Test
    void test_runs_a_dag_to_success_and_prints_the_json_summary() throws Exception {
        Result r = run("dags", "test", "ok_dag", "--dags", dags.toString(), "--param", "n=5", "--json");
        assertThat(r.exit()).isEqualTo(0);
        Map<String, Object> json = Json.map(r.out().trim());
        assertThat(json).containsKeys("run_id", "state", "tasks").containsEntry("state", "success");
        assertThat(json.get("tasks"))
                .isEqualTo(Map.of(
                        "first", Map.of("state", "success", "attempts", 1),
                        "second", Map.of("state", "success", "attempts", 1)));
    }

    @Test
    void test_runs_a_branch_down_the_path_its_param_chooses() {
        Result r = run("dags", "test", "branchy_dag", "--dags", dags.toString(), "--param", "full=true", "--json");
        assertThat(r.exit()).isEqualTo(0);
        assertThat(Json.map(r.out().trim()).get("tasks"))
                .isEqualTo(Map.of(
                        "pick", Map.of("state", "success", "attempts", 1),
                        "full", Map.of("state", "success", "attempts", 1),
                        "incremental", Map.of("state", "skipped", "attempts", 0),
                        "join", Map.of("state", "success", "attempts", 1)));
    }

    @Test
    void test_reports_a_mapped_task_once_with_its_aggregate_state_summed_attempts_and_map_count() {
        Result r = run("dags", "test", "mapped_dag", "--dags", dags.toString(), "--json");
        assertThat(r.exit()).isEqualTo(0);
        assertThat(Json.map(r.out().trim()).get("tasks"))
                .isEqualTo(Map.of(
                        "list", Map.of("state", "success", "attempts", 1),
                        "each", Map.of("state", "success", "attempts", 3, "map_count", 3),
                        "after", Map.of("state", "success", "attempts", 1)));
    }

    @Test
    void test_exits_1_for_a_failed_run_with_attempt_counts() {
        Result r = run("dags", "test", "failing_dag", "--dags", dags.toString(), "--json");
        assertThat(r.exit()).isEqualTo(1);
        Map<String, Object> json = Json.map(r.out().trim());
        assertThat(json).containsEntry("state", "failed");
        assertThat(json.get("tasks"))
                .isEqualTo(Map.of(
                        "boom", Map.of("state", "failed", "attempts", 2),
                        "after", Map.of("state", "upstream_failed", "attempts", 0)));
    }

    @Test
    void test_shows_a_sensor_waiting_up_for_reschedule_and_its_checks() {
        Result r = run("dags", "test", "resched_dag", "--dags", dags.toString());
        // a soft-failed sensor is skipped: the run succeeds
        assertThat(r.exit()).as(r.out()).isEqualTo(0);
        assertThat(r.out())
                .containsPattern("wait +up_for_reschedule +rescheduled: /nonexistent/sluice-cli-sensor does not exist;"
                        + " next check at")
                .containsPattern("wait +skipped +attempts=\\d+ \\(\\d+ rescheduled\\) +sensor timed out after 3s");
    }

    @Test
    void test_runs_the_given_file_in_its_own_folder_though_the_database_names_another() throws Exception {
        String dag =
                "id: relative_dag\ntasks:\n  - { id: read, type: shell, config: { command: \"cat marker.txt\" } }\n";
        Path one = Files.createTempDirectory("dags-one");
        Path two = Files.createTempDirectory("dags-two");
        Files.writeString(one.resolve("rel.yaml"), dag);
        Files.writeString(one.resolve("marker.txt"), "one");
        Files.writeString(two.resolve("rel.yaml"), dag);

        assertThat(run("dags", "test", "relative_dag", "--dags", one.toString()).exit())
                .isEqualTo(0);
        // the same definition (so the same version, stored from one/), run from two/, which has no marker.txt
        assertThat(run("dags", "test", "relative_dag", "--dags", two.toString()).exit())
                .isEqualTo(1);
    }

    @Test
    void test_refuses_params_outside_their_declaration_naming_them() {
        for (String[] bad : new String[][] {
            {"rows=1e400", "param 'rows': expected an integer"},
            {"rows=9223372036854775808", "param 'rows': is out of range: integers must fit in 64 bits"},
            {"rows=0", "param 'rows': must be at least 1, got 0"},
            {"ratio=1e400", "param 'ratio': must be a finite number"},
            {"ratio=NaN", "param 'ratio': must be a finite number"},
            {"mode=medium", "param 'mode': must be one of [\"fast\", \"slow\"], got \"medium\""}
        }) {
            PrintStream old = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            System.setErr(new PrintStream(err, true));
            Result r;
            try {
                r = run("dags", "test", "ranged_dag", "--dags", dags.toString(), "--param", bad[0]);
            } finally {
                System.setErr(old);
            }
            assertThat(r.exit()).as(bad[0]).isEqualTo(2);
            assertThat(err.toString()).as(bad[0]).contains(bad[1]);
        }
    }

    /** The slots of the last `dags test` worker registered (its queue is private, its row stays when it stops). */
    static int lastTestWorkerSlots() {
        return db.dsl()
                .fetchOne(
                        "select slots from worker where queues[1] like '\\_dags\\_test.%' order by started_at desc limit 1")
                .get(0, Integer.class);
    }

    @Test
    void test_sizes_its_worker_to_the_dags_max_active_tasks_or_to_slots() {
        assertThat(run("dags", "test", "narrow_dag", "--dags", dags.toString()).exit())
                .isEqualTo(0);
        assertThat(lastTestWorkerSlots()).isEqualTo(3);
        // the default max_active_tasks (64) is also the most it takes unasked
        assertThat(run("dags", "test", "ok_dag", "--dags", dags.toString()).exit())
                .isEqualTo(0);
        assertThat(lastTestWorkerSlots()).isEqualTo(64);
        assertThat(run("dags", "test", "narrow_dag", "--dags", dags.toString(), "--slots", "1")
                        .exit())
                .isEqualTo(0);
        assertThat(lastTestWorkerSlots()).isEqualTo(1);
        assertThat(run("dags", "test", "narrow_dag", "--dags", dags.toString(), "--slots", "0")
                        .exit())
                .isEqualTo(2);
    }

    @Test
    void test_exits_2_for_bad_input() {
        assertThat(run("dags", "test", "no_such_dag", "--dags", dags.toString()).exit())
                .isEqualTo(2);
        assertThat(run("dags", "test", "ok_dag", "--dags", dags.toString(), "--param", "n=many")
                        .exit())
                .isEqualTo(2);
        assertThat(run("dags", "test", "ok_dag", "--dags", dags.toString(), "--param", "m=1")
                        .exit())
                .isEqualTo(2);
    }
}
