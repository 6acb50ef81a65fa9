package dev.sluice.task.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.Dag;
import dev.sluice.dag.ParamSpec;
import dev.sluice.dag.ParamSpec.ParamType;
import dev.sluice.engine.Engine;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shell task end to end: quoting of template values, params and secrets in the environment, masking. */
class ShellTaskTest {
    private static EngineHarness h;
    private static Engine engine;

    @BeforeAll
    static void start() throws Exception {
        h = new EngineHarness();
        engine = h.engine();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static long run(
            String dagId, Map<String, Object> taskConfig, Map<String, Object> params, ParamSpec... specs)
            throws Exception {
        Dag dag = TestDags.withParams(
                TestDags.dag(dagId, 4, List.of(TestDags.task("t", "shell", List.of(), taskConfig))), specs);
        h.save(engine, dag);
        long run = h.trigger(engine, dagId, params);
        h.awaitRun(run, Duration.ofSeconds(20));
        return run;
    }

    @Test
    void the_reported_injection_prints_the_param_and_does_not_run_env() throws Exception {
        long run = run(
                "injection",
                Map.of("command", "echo '{{ params.msg }}'"),
                Map.of("msg", "a'; env; echo 'b"),
                new ParamSpec("msg", ParamType.STRING, "hello", null));
        assertThat(h.runState(run)).isEqualTo(RunState.SUCCESS);
        assertThat(h.log(run, "t")).isEqualTo("a'; env; echo 'b\n");
    }

    @Test
    void params_reach_the_process_as_environment_variables() throws Exception {
        long run = run(
                "param_env",
                Map.of(
                        "command",
                        "printf '%s|%s|%s|%s' \"$SLUICE_PARAM_MSG\" \"$SLUICE_PARAM_ROWS\" "
                                + "\"$SLUICE_PARAM_TAGS\" \"$SLUICE_DAG_ID/$SLUICE_TASK_ID/$SLUICE_ATTEMPT\""),
                Map.of("msg", "$(touch /tmp/never) 'x'", "rows", 7),
                new ParamSpec("msg", ParamType.STRING, "hello", null),
                new ParamSpec("rows", ParamType.INTEGER, 5, null),
                new ParamSpec("tags", ParamType.LIST, List.of("a", "b"), null));
        assertThat(h.runState(run)).isEqualTo(RunState.SUCCESS);
        assertThat(h.log(run, "t")).isEqualTo("$(touch /tmp/never) 'x'|7|[\"a\",\"b\"]|param_env/t/1");
    }

    @Test
    void a_secrets_grant_sets_the_variable_and_a_missing_secret_fails_by_name() throws Exception {
        System.setProperty("SLUICE_SECRET_SHELL_TEST_GRANT", "granted-value");
        try {
            long ok = run(
                    "granted",
                    Map.of("command", "printf '%s' \"$API_KEY\"", "secrets", Map.of("API_KEY", "SHELL_TEST_GRANT")),
                    Map.of());
            assertThat(h.runState(ok)).isEqualTo(RunState.SUCCESS);
            assertThat(h.log(ok, "t")).isEqualTo("granted-value");
        } finally {
            System.clearProperty("SLUICE_SECRET_SHELL_TEST_GRANT");
        }
        long missing = run(
                "not_granted", Map.of("command", "true", "secrets", Map.of("API_KEY", "SHELL_TEST_ABSENT")), Map.of());
        assertThat(h.runState(missing)).isEqualTo(RunState.FAILED);
        assertThat(h.error(missing, "t"))
                .contains("secret 'SHELL_TEST_ABSENT'")
                .contains("SLUICE_SECRET_SHELL_TEST_ABSENT");
    }

    @Test
    void a_secret_looking_param_is_masked_in_the_shown_config_and_the_error_but_the_task_gets_it() throws Exception {
        long run = run(
                "masked_param",
                Map.of(
                        "command",
                        "test \"$SLUICE_PARAM_API_TOKEN\" = '{{ params.api_token }}'"
                                + " && echo 'got {{ params.api_token }}' >&2 && exit 3"),
                Map.of("api_token", "tok-it's-secret"),
                new ParamSpec("api_token", ParamType.STRING, "none", null));
        assertThat(h.runState(run)).isEqualTo(RunState.FAILED);
        String shown = h.db.dsl()
                .fetchValue(
                        "select a.rendered_config::text from attempt a join task_instance t"
                                + " on t.id = a.task_instance_id where t.run_id = ?",
                        run)
                .toString();
        assertThat(shown).contains("= *** && echo 'got ***'").doesNotContain("tok-it");
        // exit 3 proves the process received the real value; the error quotes the log's last lines, masked
        assertThat(h.error(run, "t"))
                .startsWith("exit code 3")
                .contains("got ***")
                .doesNotContain("tok-it");
    }
}
