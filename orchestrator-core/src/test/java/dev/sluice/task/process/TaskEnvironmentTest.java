package dev.sluice.task.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.engine.Engine;
import dev.sluice.engine.Services;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskEnvironmentTest {

    @Test
    void only_base_and_allowed_server_variables_are_inherited_and_the_deny_list_wins() {
        Map<String, String> server = Map.ofEntries(
                Map.entry("PATH", "/bin"),
                Map.entry("HOME", "/home/sluice"),
                Map.entry("LANG", "C.UTF-8"),
                Map.entry("SLUICE_ADMIN_PASSWORD", "admin-pw"),
                Map.entry("SLUICE_DB_PASSWORD", "db-pw"),
                Map.entry("SLUICE_DB_URL", "jdbc:postgresql://db/sluice"),
                Map.entry("SLUICE_SECRET_X", "x"),
                Map.entry("AWS_SECRET_ACCESS_KEY", "aws"),
                Map.entry("AWS_REGION", "eu-west-1"),
                Map.entry("GITHUB_TOKEN", "ghp"),
                Map.entry("TEAM_DIR", "/team"),
                Map.entry("TEAM_PASSWORD", "pw"),
                Map.entry("MY_TOOL", "/opt/tool"),
                Map.entry("UNRELATED", "no"));
        TaskEnvironment env = new TaskEnvironment(
                server, List.of("TEAM_*", "MY_TOOL", "AWS_*", "SLUICE_ADMIN_PASSWORD", "GITHUB_TOKEN"), name -> null);
        assertThat(env.inherited())
                .containsOnly(
                        Map.entry("PATH", "/bin"),
                        Map.entry("HOME", "/home/sluice"),
                        Map.entry("LANG", "C.UTF-8"),
                        Map.entry("TEAM_DIR", "/team"),
                        Map.entry("MY_TOOL", "/opt/tool"));
    }

    @Test
    void a_server_without_path_still_gives_tasks_one() {
        assertThat(new TaskEnvironment(Map.of(), List.of(), n -> null).inherited())
                .containsEntry("PATH", TaskEnvironment.DEFAULT_PATH);
    }

    @Test
    void params_become_upper_case_variables_with_lists_and_objects_as_json() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("rows", 7);
        params.put("threshold", 0.8);
        params.put("dry_run", true);
        params.put("cols", List.of("a", "b"));
        params.put("opts", Map.of("k", 1));
        params.put("nothing", null);
        assertThat(TaskEnvironment.paramVariables(params))
                .containsOnly(
                        Map.entry("SLUICE_PARAM_ROWS", "7"),
                        Map.entry("SLUICE_PARAM_THRESHOLD", "0.8"),
                        Map.entry("SLUICE_PARAM_DRY_RUN", "true"),
                        Map.entry("SLUICE_PARAM_COLS", "[\"a\",\"b\"]"),
                        Map.entry("SLUICE_PARAM_OPTS", "{\"k\":1}"));
    }

    /**
     * A worker whose own environment holds Sluice's and the cloud's credentials (a child JVM started with them) runs a
     * task that dumps its environment: none of them is there, the allowed and granted ones are.
     */
    @Test
    void a_server_s_credentials_never_reach_a_task_process(@TempDir Path dir) throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Engine parent =
                    new Engine(h.db, h.types, h.config().withWorkerId("parent"), Clock.systemUTC(), new Services());
            Path dump = dir.resolve("env.txt");
            h.save(
                    parent,
                    TestDags.dag(
                            "env_dump",
                            1,
                            List.of(TestDags.task(
                                    "t",
                                    "shell",
                                    List.of(),
                                    Map.of(
                                            "command", "env > " + dump,
                                            "env", Map.of("OWN", "from-the-task"),
                                            "secrets", Map.of("API_KEY", "GRANTED"))))));
            long run = h.trigger(parent, "env_dump", Map.of());
            Process worker = h.childWorker(
                    "server_like",
                    Map.of(
                            "SLUICE_ADMIN_PASSWORD", "admin-pw-value",
                            "SLUICE_DB_PASSWORD", "db-pw-value",
                            "SLUICE_SECRET_X", "secret-x-value",
                            "SLUICE_SECRET_GRANTED", "granted-value",
                            "AWS_SECRET_ACCESS_KEY", "aws-value",
                            "SLUICE_TASK_ENV_ALLOW", "MY_TOOL_HOME,TEAM_*,AWS_*,SLUICE_ADMIN_PASSWORD",
                            "MY_TOOL_HOME", "/opt/tool",
                            "TEAM_REGION", "eu",
                            "UNRELATED_SETTING", "not-allowed"));
            try {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> h.runState(run).isTerminal());
            } finally {
                worker.destroyForcibly();
                worker.waitFor();
                parent.close();
            }
            assertThat(h.runState(run)).isEqualTo(RunState.SUCCESS);
            Map<String, String> env = new LinkedHashMap<>();
            for (String line : Files.readAllLines(dump)) {
                int eq = line.indexOf('=');
                if (eq > 0) env.put(line.substring(0, eq), line.substring(eq + 1));
            }
            assertThat(env)
                    .doesNotContainKeys(
                            "SLUICE_ADMIN_PASSWORD",
                            "SLUICE_DB_PASSWORD",
                            "SLUICE_SECRET_X",
                            "SLUICE_SECRET_GRANTED",
                            "AWS_SECRET_ACCESS_KEY",
                            "UNRELATED_SETTING",
                            "SLUICE_TASK_ENV_ALLOW");
            assertThat(String.join("\n", Files.readAllLines(dump)))
                    .doesNotContain("admin-pw-value", "db-pw-value", "secret-x-value", "aws-value");
            assertThat(env)
                    .containsEntry("MY_TOOL_HOME", "/opt/tool")
                    .containsEntry("TEAM_REGION", "eu")
                    .containsEntry("OWN", "from-the-task")
                    .containsEntry("API_KEY", "granted-value")
                    .containsEntry("SLUICE_DAG_ID", "env_dump")
                    .containsEntry("SLUICE_TASK_ID", "t")
                    .containsEntry("SLUICE_ATTEMPT", "1")
                    .containsKeys("PATH", "SLUICE_RUN_ID", "SLUICE_LOGICAL_DATE", "SLUICE_OUTPUT");
        }
    }
}
