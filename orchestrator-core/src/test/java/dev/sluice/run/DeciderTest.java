package dev.sluice.run;

import static dev.sluice.testing.TestDags.dag;
import static dev.sluice.testing.TestDags.task;
import static dev.sluice.testing.TestDags.withRule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.TaskDef;
import dev.sluice.dag.TriggerRule;
import dev.sluice.task.BranchChoice;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decider is pure: every trigger rule against combinations of upstream states, no database. */
class DeciderTest {

    /** Two upstreams a, b and a join j with the given rule. */
    private static DagGraph join(TriggerRule rule) {
        return new DagGraph(dag(
                "j",
                1,
                List.of(
                        task("a", "noop", List.of(), Map.of()),
                        task("b", "noop", List.of(), Map.of()),
                        withRule(task("j", "noop", List.of("a", "b"), Map.of()), rule))));
    }

    private static TaskState decideJoin(TriggerRule rule, TaskState a, TaskState b) {
        Map<String, TaskState> s = new HashMap<>(Map.of("a", a, "b", b, "j", TaskState.PENDING));
        return Decider.decide(join(rule), s).changes().getOrDefault("j", TaskState.PENDING);
    }

    @ParameterizedTest(name = "{0}: a={1} b={2} -> {3}")
    @CsvSource({
        // all_success: any failure upstream-fails, any skip skips, waits otherwise
        "ALL_SUCCESS, SUCCESS, SUCCESS, QUEUED",
        "ALL_SUCCESS, SUCCESS, RUNNING, PENDING",
        "ALL_SUCCESS, FAILED, RUNNING, UPSTREAM_FAILED",
        "ALL_SUCCESS, UPSTREAM_FAILED, SUCCESS, UPSTREAM_FAILED",
        "ALL_SUCCESS, SKIPPED, SUCCESS, SKIPPED",
        "ALL_SUCCESS, UP_FOR_RETRY, SUCCESS, PENDING",
        // a sensor waiting between checks is unfinished: nothing downstream of it moves
        "ALL_SUCCESS, UP_FOR_RESCHEDULE, SUCCESS, PENDING",
        "ALL_SUCCESS, UP_FOR_RESCHEDULE, FAILED, UPSTREAM_FAILED",
        // all_failed
        "ALL_FAILED, FAILED, FAILED, QUEUED",
        "ALL_FAILED, FAILED, UPSTREAM_FAILED, QUEUED",
        "ALL_FAILED, FAILED, RUNNING, PENDING",
        "ALL_FAILED, SUCCESS, RUNNING, SKIPPED",
        "ALL_FAILED, SKIPPED, FAILED, SKIPPED",
        // all_done
        "ALL_DONE, SUCCESS, FAILED, QUEUED",
        "ALL_DONE, SKIPPED, UPSTREAM_FAILED, QUEUED",
        "ALL_DONE, SUCCESS, RUNNING, PENDING",
        "ALL_DONE, UP_FOR_RETRY, SUCCESS, PENDING",
        "ALL_DONE, UP_FOR_RESCHEDULE, SKIPPED, PENDING",
        // one_success
        "ONE_SUCCESS, SUCCESS, RUNNING, QUEUED",
        "ONE_SUCCESS, FAILED, RUNNING, PENDING",
        "ONE_SUCCESS, FAILED, FAILED, UPSTREAM_FAILED",
        "ONE_SUCCESS, FAILED, SKIPPED, UPSTREAM_FAILED",
        "ONE_SUCCESS, SKIPPED, SKIPPED, SKIPPED",
        // one_failed
        "ONE_FAILED, FAILED, RUNNING, QUEUED",
        "ONE_FAILED, UPSTREAM_FAILED, PENDING, QUEUED",
        "ONE_FAILED, SUCCESS, RUNNING, PENDING",
        "ONE_FAILED, SUCCESS, SKIPPED, SKIPPED",
        "ONE_FAILED, UP_FOR_RESCHEDULE, SUCCESS, PENDING",
        // none_failed
        "NONE_FAILED, SUCCESS, SKIPPED, QUEUED",
        "NONE_FAILED, SUCCESS, RUNNING, PENDING",
        "NONE_FAILED, FAILED, RUNNING, UPSTREAM_FAILED",
        "NONE_FAILED, SKIPPED, SKIPPED, QUEUED",
        // none_skipped
        "NONE_SKIPPED, SUCCESS, FAILED, QUEUED",
        "NONE_SKIPPED, SKIPPED, RUNNING, SKIPPED",
        "NONE_SKIPPED, SUCCESS, RUNNING, PENDING",
        "NONE_SKIPPED, UP_FOR_RESCHEDULE, SUCCESS, PENDING",
        // none_failed_min_one_success: the join after a branch
        "NONE_FAILED_MIN_ONE_SUCCESS, SUCCESS, SKIPPED, QUEUED",
        "NONE_FAILED_MIN_ONE_SUCCESS, SKIPPED, SUCCESS, QUEUED",
        "NONE_FAILED_MIN_ONE_SUCCESS, SUCCESS, SUCCESS, QUEUED",
        "NONE_FAILED_MIN_ONE_SUCCESS, SKIPPED, SKIPPED, SKIPPED",
        "NONE_FAILED_MIN_ONE_SUCCESS, SUCCESS, RUNNING, PENDING",
        "NONE_FAILED_MIN_ONE_SUCCESS, SKIPPED, PENDING, PENDING",
        "NONE_FAILED_MIN_ONE_SUCCESS, FAILED, RUNNING, UPSTREAM_FAILED",
        "NONE_FAILED_MIN_ONE_SUCCESS, UPSTREAM_FAILED, SUCCESS, UPSTREAM_FAILED",
        "NONE_FAILED_MIN_ONE_SUCCESS, CANCELLED, SKIPPED, UPSTREAM_FAILED",
        // always
        "ALWAYS, PENDING, PENDING, QUEUED",
        "ALWAYS, FAILED, RUNNING, QUEUED",
        "ALWAYS, UP_FOR_RESCHEDULE, PENDING, QUEUED",
    })
    void trigger_rules_follow_airflow(TriggerRule rule, TaskState a, TaskState b, TaskState expected) {
        assertThat(decideJoin(rule, a, b)).isEqualTo(expected);
    }

    @Test
    void every_rule_decides_every_finished_combination() {
        // Once both upstreams are finished no rule may leave the join waiting: a run can always finish.
        var finished = EnumSet.of(TaskState.SUCCESS, TaskState.FAILED, TaskState.UPSTREAM_FAILED, TaskState.SKIPPED);
        for (TriggerRule rule : TriggerRule.values()) {
            for (TaskState a : finished) {
                for (TaskState b : finished) {
                    assertThat(decideJoin(rule, a, b))
                            .as("%s a=%s b=%s", rule, a, b)
                            .isNotEqualTo(TaskState.PENDING);
                }
            }
        }
    }

    @Test
    void the_graph_knows_which_tasks_read_other_tasks_outputs_in_nested_config() {
        var g = new DagGraph(dag(
                "o",
                1,
                List.of(
                        task("a", "noop", List.of(), Map.of("x", "plain {{ ds }}")),
                        task(
                                "b",
                                "noop",
                                List.of("a"),
                                Map.of("env", Map.of("P", List.of("{{ tasks.a.output.path }}")))))));
        assertThat(g.readsTaskOutputs("a")).isFalse();
        assertThat(g.readsTaskOutputs("b")).isTrue();
    }

    @Test
    void roots_are_queued_at_start_and_nothing_else() {
        var g = new DagGraph(dag(
                "l", 1, List.of(task("a", "noop", List.of(), Map.of()), task("b", "noop", List.of("a"), Map.of()))));
        var d = Decider.decide(g, Map.of("a", TaskState.PENDING, "b", TaskState.PENDING));
        assertThat(d.changes()).containsExactly(Map.entry("a", TaskState.QUEUED));
        assertThat(d.runFinished()).isFalse();
    }

    @Test
    void upstream_failure_propagates_through_the_whole_chain_in_one_decision() {
        var g = new DagGraph(dag(
                "l",
                1,
                List.of(
                        task("a", "noop", List.of(), Map.of()),
                        task("b", "noop", List.of("a"), Map.of()),
                        task("c", "noop", List.of("b"), Map.of()))));
        var d = Decider.decide(g, Map.of("a", TaskState.FAILED, "b", TaskState.PENDING, "c", TaskState.PENDING));
        assertThat(d.changes())
                .containsEntry("b", TaskState.UPSTREAM_FAILED)
                .containsEntry("c", TaskState.UPSTREAM_FAILED);
        assertThat(d.runOutcome()).isEqualTo(RunState.FAILED);
    }

    @Test
    void run_fails_only_when_a_leaf_fails() {
        // a fails, but the leaf "cleanup" (all_done) succeeds: the run succeeds, as in Airflow
        var g = new DagGraph(dag(
                "l",
                1,
                List.of(
                        task("a", "noop", List.of(), Map.of()),
                        withRule(task("cleanup", "noop", List.of("a"), Map.of()), TriggerRule.ALL_DONE))));
        assertThat(Decider.decide(g, Map.of("a", TaskState.FAILED, "cleanup", TaskState.SUCCESS))
                        .runOutcome())
                .isEqualTo(RunState.SUCCESS);
        assertThat(Decider.decide(g, Map.of("a", TaskState.SUCCESS, "cleanup", TaskState.FAILED))
                        .runOutcome())
                .isEqualTo(RunState.FAILED);
    }

    @Test
    void skipped_leaves_do_not_fail_a_run() {
        var g = new DagGraph(dag(
                "l",
                1,
                List.of(
                        task("a", "noop", List.of(), Map.of()),
                        withRule(task("on_failure", "noop", List.of("a"), Map.of()), TriggerRule.ONE_FAILED))));
        var d = Decider.decide(g, Map.of("a", TaskState.SUCCESS, "on_failure", TaskState.PENDING));
        assertThat(d.changes()).containsEntry("on_failure", TaskState.SKIPPED);
        assertThat(d.runOutcome()).isEqualTo(RunState.SUCCESS);
    }

    /** pick (a branch task) -> full, incremental; both -> join (none_failed_min_one_success); also pick -> join. */
    private static DagGraph branch() {
        return new DagGraph(dag(
                "b",
                1,
                List.of(
                        asBranch(task("pick", "noop", List.of(), Map.of())),
                        task("full", "noop", List.of("pick"), Map.of()),
                        task("incremental", "noop", List.of("pick"), Map.of()),
                        task("after_incremental", "noop", List.of("incremental"), Map.of()),
                        withRule(
                                task("join", "noop", List.of("pick", "full", "after_incremental"), Map.of()),
                                TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS))));
    }

    private static TaskDef asBranch(TaskDef t) {
        return t.withBranch(true);
    }

    private static Map<String, TaskState> branchStates(TaskState pick) {
        Map<String, TaskState> s = new HashMap<>();
        for (String id : List.of("full", "incremental", "after_incremental", "join")) s.put(id, TaskState.PENDING);
        s.put("pick", pick);
        return s;
    }

    @Test
    void a_branch_skips_the_paths_it_did_not_choose_and_the_join_waits_for_the_chosen_one() {
        var d = Decider.decide(branch(), branchStates(TaskState.SUCCESS), Map.of("pick", List.of("full")));
        assertThat(d.changes())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "full", TaskState.QUEUED,
                        "incremental", TaskState.SKIPPED,
                        "after_incremental", TaskState.SKIPPED));
        // The join is a direct downstream of pick but lies on the chosen path: not skipped by the branch.
        assertThat(Decider.skippedByBranch(
                        branch(), "join", branchStates(TaskState.SUCCESS), Map.of("pick", List.of("full"))))
                .isNull();
        assertThat(Decider.skippedByBranch(
                        branch(), "incremental", branchStates(TaskState.SUCCESS), Map.of("pick", List.of("full"))))
                .isEqualTo("pick");

        var states = branchStates(TaskState.SUCCESS);
        states.putAll(d.changes());
        states.put("full", TaskState.SUCCESS);
        var next = Decider.decide(branch(), states, Map.of("pick", List.of("full")));
        assertThat(next.changes()).containsExactly(Map.entry("join", TaskState.QUEUED));
    }

    @Test
    void a_branch_may_choose_several_paths_or_none() {
        var both = Decider.decide(
                branch(), branchStates(TaskState.SUCCESS), Map.of("pick", List.of("full", "incremental")));
        assertThat(both.changes())
                .containsEntry("full", TaskState.QUEUED)
                .containsEntry("incremental", TaskState.QUEUED);

        var none = Decider.decide(branch(), branchStates(TaskState.SUCCESS), Map.of("pick", List.of()));
        assertThat(none.changes())
                .containsEntry("full", TaskState.SKIPPED)
                .containsEntry("incremental", TaskState.SKIPPED)
                .containsEntry("after_incremental", TaskState.SKIPPED)
                // pick succeeded but chose no path that reaches the join: skipped too
                .containsEntry("join", TaskState.SKIPPED);
    }

    @Test
    void a_branch_without_a_recorded_choice_or_not_yet_successful_skips_nothing() {
        // marked success by an operator: no choice, every path follows its trigger rule
        var marked = Decider.decide(branch(), branchStates(TaskState.SUCCESS), Map.of());
        assertThat(marked.changes())
                .containsEntry("full", TaskState.QUEUED)
                .containsEntry("incremental", TaskState.QUEUED);
        // a failed branch task upstream-fails its paths as any task would
        var failed = Decider.decide(branch(), branchStates(TaskState.FAILED), Map.of("pick", List.of("full")));
        assertThat(failed.changes()).containsEntry("full", TaskState.UPSTREAM_FAILED);
    }

    @Test
    void a_choice_is_a_downstream_id_or_a_list_of_them() {
        List<String> allowed = List.of("full", "incremental");
        assertThat(BranchChoice.problem("pick", Map.of("next", "full"), allowed))
                .isNull();
        assertThat(BranchChoice.problem("pick", Map.of("next", List.of("full", "incremental")), allowed))
                .isNull();
        assertThat(BranchChoice.problem("pick", Map.of("next", "nope"), allowed))
                .isEqualTo("branch task 'pick' chose 'nope', which is not one of its direct downstream tasks:"
                        + " full, incremental");
        assertThat(BranchChoice.problem("pick", Map.of(), allowed)).contains("wrote no \"next\"");
        assertThat(BranchChoice.problem("pick", Map.of("next", 3), allowed)).contains("expected a task id");
        assertThat(BranchChoice.ids(List.of(" a ", ""))).containsExactly("a");
    }

    @Test
    void a_run_is_not_finished_while_a_sensor_waits_for_its_next_check() {
        var g = new DagGraph(dag(
                "r",
                1,
                List.of(task("wait", "sensor.file", List.of(), Map.of()), task("other", "noop", List.of(), Map.of()))));
        var d = Decider.decide(g, Map.of("wait", TaskState.UP_FOR_RESCHEDULE, "other", TaskState.SUCCESS));
        assertThat(d.runFinished()).isFalse();
        assertThat(d.changes()).isEmpty();
        assertThat(TaskState.UP_FOR_RESCHEDULE.isTerminal()).isFalse();
        assertThat(TaskState.UP_FOR_RESCHEDULE.isFailure()).isFalse();
        assertThat(TaskState.UNFINISHED).contains(TaskState.UP_FOR_RESCHEDULE);
        assertThat(TaskState.CLAIMABLE).contains(TaskState.UP_FOR_RESCHEDULE);
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource({
        // a check that finds its condition unmet, and the claim of its next check
        "RUNNING, UP_FOR_RESCHEDULE, true",
        "UP_FOR_RESCHEDULE, RUNNING, true",
        // an operator may cancel, clear or mark a waiting sensor
        "UP_FOR_RESCHEDULE, CANCELLED, true",
        "UP_FOR_RESCHEDULE, PENDING, true",
        "UP_FOR_RESCHEDULE, SUCCESS, true",
        "UP_FOR_RESCHEDULE, FAILED, true",
        // only a running check reschedules; the wait is not a retry and never goes straight to one
        "QUEUED, UP_FOR_RESCHEDULE, false",
        "PENDING, UP_FOR_RESCHEDULE, false",
        "UP_FOR_RETRY, UP_FOR_RESCHEDULE, false",
        "UP_FOR_RESCHEDULE, UP_FOR_RETRY, false",
        "SKIPPED, UP_FOR_RESCHEDULE, false",
    })
    void reschedule_transitions(TaskState from, TaskState to, boolean allowed) {
        assertThat(from.canMoveTo(to)).isEqualTo(allowed);
    }

    @Test
    void transitions_are_listed_in_one_place_and_refuse_illegal_moves() {
        assertThat(TaskState.PENDING.canMoveTo(TaskState.RUNNING)).isFalse();
        assertThat(TaskState.QUEUED.canMoveTo(TaskState.RUNNING)).isTrue();
        assertThat(TaskState.RUNNING.canMoveTo(TaskState.UP_FOR_RETRY)).isTrue();
        assertThat(TaskState.SKIPPED.canMoveTo(TaskState.RUNNING)).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> IllegalTransitionException.check("task x", TaskState.SUCCESS, TaskState.UP_FOR_RETRY))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("SUCCESS -> UP_FOR_RETRY");
        assertThat(RunState.SUCCESS.canMoveTo(RunState.CANCELLED)).isFalse();
    }

    /** Instance states as "state:count;state:count" → the mapped task's state that trigger rules see. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        // one instance (every unmapped task): its own state
        "PENDING:1, PENDING",
        "SUCCESS:1, SUCCESS",
        "UP_FOR_RETRY:1, UP_FOR_RETRY",
        // all alike: that state
        "SUCCESS:1000, SUCCESS",
        "QUEUED:10000, QUEUED",
        // any still in flight: running, whatever else has finished
        "SUCCESS:998;RUNNING:1;FAILED:1, RUNNING",
        "SUCCESS:5;QUEUED:3, RUNNING",
        "FAILED:2;UP_FOR_RETRY:1, RUNNING",
        "PENDING:2;RUNNING:1, RUNNING",
        // cleared failures beside kept successes: pending again, so the rule queues the cleared ones
        "SUCCESS:8;PENDING:2, PENDING",
        // all finished: one failure fails the task, then a cancellation cancels it
        "SUCCESS:999;FAILED:1, FAILED",
        "SUCCESS:3;UPSTREAM_FAILED:1, FAILED",
        "FAILED:1;CANCELLED:1, FAILED",
        "SUCCESS:3;CANCELLED:1, CANCELLED",
        "SUCCESS:3;SKIPPED:1, SUCCESS",
        // zero counts do not count
        "SUCCESS:3;FAILED:0, SUCCESS",
    })
    void aMappedTasksStateIsTheAggregateOfItsInstances(String counts, TaskState expected) {
        Map<TaskState, Integer> m = new java.util.EnumMap<>(TaskState.class);
        for (String part : counts.split(";")) {
            String[] kv = part.split(":");
            m.put(TaskState.valueOf(kv[0]), Integer.parseInt(kv[1]));
        }
        assertThat(Decider.aggregate(m)).isEqualTo(expected);
    }

    @Test
    void anEmptyExpansionSkipsTheMappedTaskAndANonEmptyOneQueuesIt() {
        assertThat(Decider.expanded(0)).isEqualTo(TaskState.SKIPPED);
        assertThat(Decider.expanded(1)).isEqualTo(TaskState.QUEUED);
        assertThat(Decider.expanded(10_000)).isEqualTo(TaskState.QUEUED);
    }

    /** The aggregate feeds the trigger rules unchanged: a downstream task of a mapped one reads it as any state. */
    @ParameterizedTest(name = "{0}: mapped={1} -> {2}")
    @CsvSource({
        "ALL_SUCCESS, SUCCESS:1000, QUEUED",
        "ALL_SUCCESS, SUCCESS:999;RUNNING:1, PENDING",
        "ALL_SUCCESS, SUCCESS:999;FAILED:1, UPSTREAM_FAILED",
        "ALL_DONE, SUCCESS:999;FAILED:1, QUEUED",
        "ONE_FAILED, SUCCESS:3;FAILED:1, QUEUED",
        "NONE_FAILED_MIN_ONE_SUCCESS, SKIPPED:1, SKIPPED",
        "ALL_DONE, SKIPPED:1, QUEUED",
    })
    void aReduceTaskFollowsItsRuleOverTheAggregate(TriggerRule rule, String counts, TaskState expected) {
        Map<TaskState, Integer> m = new java.util.EnumMap<>(TaskState.class);
        for (String part : counts.split(";")) {
            String[] kv = part.split(":");
            m.put(TaskState.valueOf(kv[0]), Integer.parseInt(kv[1]));
        }
        DagGraph g = new DagGraph(dag(
                "m",
                1,
                List.of(
                        task("mapped", "noop", List.of(), Map.of()),
                        withRule(task("reduce", "noop", List.of("mapped"), Map.of()), rule))));
        Map<String, TaskState> s = new HashMap<>(Map.of("mapped", Decider.aggregate(m), "reduce", TaskState.PENDING));
        assertThat(Decider.decide(g, s).changes().getOrDefault("reduce", TaskState.PENDING))
                .isEqualTo(expected);
    }
}
