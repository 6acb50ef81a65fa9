package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Branch tasks on real PostgreSQL, from the YAML fixtures in src/test/resources/scenarios (branch_*). */
class BranchingScenarioTest {
    static EngineHarness h;
    static Engine engine;

    @BeforeAll
    static void start() throws Exception {
        h = new EngineHarness();
        engine = h.engine();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private Object value(String sql, Object... args) {
        return h.db.dsl().fetchValue(sql, args);
    }

    @Test
    void the_branch_type_follows_its_template_over_a_param_and_the_join_runs_after_either_path() throws Exception {
        String dag = h.fixture(engine, "branch_template_chooses_one_path_join_runs");

        long incremental = h.trigger(engine, dag, Map.of());
        assertThat(h.awaitRun(incremental, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(incremental))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "pick", TaskState.SUCCESS,
                        "full", TaskState.SKIPPED,
                        "incremental", TaskState.SUCCESS,
                        "publish_incremental", TaskState.SUCCESS,
                        "join", TaskState.SUCCESS,
                        "strict_join", TaskState.SKIPPED));
        assertThat(value(
                        "select output->>'next' from task_instance where run_id = ? and task_id = 'pick'", incremental))
                .isEqualTo("incremental");

        long full = h.trigger(engine, dag, Map.of("full", true));
        assertThat(h.awaitRun(full, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(full))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "pick", TaskState.SUCCESS,
                        "full", TaskState.SUCCESS,
                        "incremental", TaskState.SKIPPED,
                        "publish_incremental", TaskState.SKIPPED,
                        "join", TaskState.SUCCESS,
                        "strict_join", TaskState.SKIPPED));
        // the join started only once the chosen path had finished
        assertThat(value(
                        "select count(*) from task_instance j, task_instance f where j.run_id = ? and f.run_id = j.run_id"
                                + " and j.task_id = 'join' and f.task_id = 'full' and j.started_at >= f.ended_at",
                        full))
                .isEqualTo(1L);
    }

    @Test
    void a_task_with_branch_true_chooses_a_list_through_its_output() throws Exception {
        long run = h.trigger(engine, h.fixture(engine, "branch_output_chooses_two_of_three"), Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(run))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "pick", TaskState.SUCCESS,
                        "a", TaskState.SUCCESS,
                        "b", TaskState.SUCCESS,
                        "c", TaskState.SKIPPED,
                        "join", TaskState.SUCCESS));
        // the rest of the output is kept as any output
        assertThat(value("select output->>'why' from task_instance where run_id = ? and task_id = 'pick'", run))
                .isEqualTo("weekday");
    }

    @Test
    void a_choice_that_is_not_a_direct_downstream_task_fails_the_branch_task_naming_the_allowed_ones()
            throws Exception {
        long run = h.trigger(engine, h.fixture(engine, "branch_next_not_downstream_fails"), Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run))
                .containsEntry("pick", TaskState.FAILED)
                .containsEntry("left", TaskState.UPSTREAM_FAILED)
                .containsEntry("right", TaskState.UPSTREAM_FAILED)
                .containsEntry("stranger", TaskState.SUCCESS);
        assertThat(h.error(run, "pick"))
                .isEqualTo("branch task 'pick' chose 'stranger', which is not one of its direct downstream tasks:"
                        + " left, right");
        assertThat(value("select output from task_instance where run_id = ? and task_id = 'pick'", run))
                .isNull();
    }
}
