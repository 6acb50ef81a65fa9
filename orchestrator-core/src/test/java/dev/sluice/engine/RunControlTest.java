package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.run.IllegalTransitionException;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RunControlTest {
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

    @Test
    void cancel_stops_running_tasks_and_cancels_pending_ones() throws Exception {
        h.save(
                engine,
                TestDags.dag(
                        "cancel_me",
                        10,
                        List.of(
                                TestDags.task("long", "shell", List.of(), Map.of("command", "sleep 20")),
                                TestDags.task("after", "noop", List.of("long"), Map.of()))));
        long run = h.trigger(engine, "cancel_me", Map.of());
        awaitTask(run, "long", TaskState.RUNNING);
        var result = engine.control().cancel(run);
        assertThat(result.runState()).isEqualTo(RunState.CANCELLED);
        assertThat(h.taskStates(run))
                .containsEntry("long", TaskState.CANCELLED)
                .containsEntry("after", TaskState.CANCELLED);
        // the worker notices at its next heartbeat and kills the shell
        for (int i = 0; i < 200 && !h.attemptStates(run, "long").equals(List.of("cancelled")); i++) Thread.sleep(20);
        assertThat(h.attemptStates(run, "long")).containsExactly("cancelled");
        assertThatThrownBy(() -> engine.control().cancel(run)).isInstanceOf(IllegalTransitionException.class);
    }

    @Test
    void clear_failed_reruns_only_the_failed_part() throws Exception {
        // fails on attempt 1 only: the rerun after clearing succeeds
        h.save(
                engine,
                TestDags.dag(
                        "clear_me",
                        10,
                        List.of(
                                TestDags.task("good", "noop", List.of(), Map.of()),
                                TestDags.task("bad", "scripted", List.of("good"), Map.of("fail_attempts", 1)),
                                TestDags.task("tail", "noop", List.of("bad"), Map.of()))));
        long run = h.trigger(engine, "clear_me", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run)).containsEntry("tail", TaskState.UPSTREAM_FAILED);

        engine.control().clearFailed(run);
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.attemptStates(run, "good")).containsExactly("success");
        assertThat(h.attemptStates(run, "bad")).containsExactly("failed", "success");
        assertThat(h.attemptStates(run, "tail")).containsExactly("success");
    }

    @Test
    void clear_with_downstream_reruns_a_successful_task_and_what_follows() throws Exception {
        h.save(engine, TestDags.linear("rerun_me", 3, "noop", Map.of()));
        long run = h.trigger(engine, "rerun_me", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        engine.control().clear(run, List.of("t1"), true, false);
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.attemptStates(run, "t0")).hasSize(1);
        assertThat(h.attemptStates(run, "t1")).hasSize(2);
        assertThat(h.attemptStates(run, "t2")).hasSize(2);
    }

    @Test
    void mark_failed_task_success_lets_the_run_finish() throws Exception {
        h.save(
                engine,
                TestDags.dag(
                        "mark_me",
                        10,
                        List.of(
                                TestDags.task("bad", "scripted", List.of(), Map.of("fail_attempts", 9)),
                                TestDags.task("after", "noop", List.of("bad"), Map.of()))));
        long run = h.trigger(engine, "mark_me", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        // upstream_failed "after" must be cleared to run again; marking "bad" success alone leaves it as it was
        engine.control().markTask(run, "bad", TaskState.SUCCESS);
        engine.control().clear(run, List.of("after"), false, false);
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(run)).containsEntry("bad", TaskState.SUCCESS).containsEntry("after", TaskState.SUCCESS);
    }

    @Test
    void mark_run_success_finishes_its_unfinished_tasks() throws Exception {
        h.save(
                engine,
                TestDags.dag(
                        "mark_run",
                        10,
                        List.of(
                                TestDags.task("long", "shell", List.of(), Map.of("command", "sleep 20")),
                                TestDags.task("after", "noop", List.of("long"), Map.of()))));
        long run = h.trigger(engine, "mark_run", Map.of());
        awaitTask(run, "long", TaskState.RUNNING);
        engine.control().markRun(run, RunState.SUCCESS);
        assertThat(h.runState(run)).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(run).values()).containsOnly(TaskState.SUCCESS);
    }

    @Test
    void undeclared_or_mistyped_params_are_refused_naming_the_param() {
        h.save(
                engine,
                TestDags.dag("typed", 5, List.of(TestDags.task("a", "noop", List.of(), Map.of())))
                        .withMaxActiveTasks(5)
                        .withParams(Map.of(
                                "threshold",
                                new dev.sluice.dag.ParamSpec(
                                        "threshold", dev.sluice.dag.ParamSpec.ParamType.NUMBER, 0.8, ""))));
        assertThatThrownBy(() -> h.trigger(engine, "typed", Map.of("threshold", "high")))
                .isInstanceOf(RunParams.InvalidParamException.class)
                .hasMessageContaining("threshold");
        assertThatThrownBy(() -> h.trigger(engine, "typed", Map.of("treshold", 0.5)))
                .isInstanceOf(RunParams.InvalidParamException.class)
                .hasMessageContaining("treshold");
    }

    private static void awaitTask(long run, String task, TaskState state) throws InterruptedException {
        for (int i = 0; i < 500 && h.taskStates(run).get(task) != state; i++) Thread.sleep(20);
        assertThat(h.taskStates(run).get(task)).isEqualTo(state);
    }
}
