package dev.sluice.dag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.task.TaskTypeRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** branch, the branch type and group in YAML and the Java builder: read alike, checked before anything runs. */
class BranchAndGroupDagTest {
    private static final TaskTypeRegistry TYPES = TaskTypeRegistry.discover();

    private static final String VALID = """
            id: nightly
            tasks:
              - id: pick
                type: branch
                group: choose
                config: { choose: "{% if params.full %}full{% else %}incremental{% endif %}" }
              - { id: full, type: noop, depends_on: [pick], group: load }
              - { id: incremental, type: shell, branch: true, depends_on: [pick], group: load, config: { command: "true" } }
              - { id: tail, type: noop, depends_on: [incremental] }
              - { id: join, type: noop, depends_on: [full, tail], trigger_rule: none_failed_min_one_success }
            params:
              full: { type: boolean, default: false }
            """;

    private static List<String> errors(String yaml) {
        try {
            new YamlDagParser(TYPES).parse(yaml, "dags/b.yaml");
        } catch (DagValidationException e) {
            return e.errors().stream().map(DagError::toString).toList();
        }
        throw new AssertionError("parsed without errors");
    }

    @Test
    void yaml_and_builder_give_the_same_branches_and_groups_and_the_stored_form_keeps_them() {
        Dag yaml = new YamlDagParser(TYPES).parse(VALID, "dags/b.yaml");
        assertThat(yaml.task("pick").branch())
                .as("the branch type always branches")
                .isTrue();
        assertThat(yaml.task("incremental").branch()).isTrue();
        assertThat(yaml.task("full").branch()).isFalse();
        assertThat(yaml.task("pick").group()).isEqualTo("choose");
        assertThat(yaml.task("full").group()).isEqualTo("load");
        assertThat(yaml.task("join").group()).isNull();
        assertThat(yaml.task("join").triggerRule()).isEqualTo(TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS);

        Dag java = DagBuilder.dag("nightly")
                .param("full", ParamSpec.ParamType.BOOLEAN, false)
                .task(
                        "pick",
                        "branch",
                        t -> t.group("choose")
                                .config("choose", "{% if params.full %}full{% else %}incremental{% endif %}"))
                .task("full", "noop", t -> t.dependsOn("pick").group("load"))
                .task(
                        "incremental",
                        "shell",
                        t -> t.dependsOn("pick").branch(true).group("load").config("command", "true"))
                .task("tail", "noop", t -> t.dependsOn("incremental"))
                .task(
                        "join",
                        "noop",
                        t -> t.dependsOn("full", "tail").triggerRule(TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS))
                .build(TYPES);
        assertThat(java).isEqualTo(yaml);
        assertThat(DagJson.fromJson(DagJson.toJson(yaml))).isEqualTo(yaml);
    }

    @Test
    void a_dag_without_branches_or_groups_keeps_its_stored_form() {
        Dag plain = new YamlDagParser(TYPES).parse("id: p\ntasks:\n  - { id: a, type: noop }\n", "p.yaml");
        assertThat(DagJson.toJson(plain)).doesNotContain("branch").doesNotContain("group");
    }

    @Test
    void a_branch_task_without_downstream_tasks_is_an_error_at_its_line() {
        assertThat(errors("""
                        id: b
                        tasks:
                          - id: a
                            type: noop
                            branch: true
                          - id: pick
                            type: branch
                            config: { choose: x }
                        """))
                .containsExactly(
                        "dags/b.yaml:5: tasks[a].branch: a branch task needs downstream tasks to choose from:"
                                + " no task depends on 'a'",
                        "dags/b.yaml:7: tasks[pick].type: a branch task needs downstream tasks to choose from:"
                                + " no task depends on 'pick'");
    }

    @Test
    void a_plain_choice_must_name_a_direct_downstream_task() {
        assertThat(errors("""
                        id: b
                        tasks:
                          - { id: other, type: noop }
                          - id: pick
                            type: branch
                            config:
                              choose: [left, other]
                          - { id: left, type: noop, depends_on: [pick] }
                        """))
                .containsExactly("dags/b.yaml:7: tasks[pick].config.choose: 'other' is not a direct downstream task"
                        + " of 'pick' (those are: left)");
    }

    @Test
    void bad_branch_group_and_choose_values_name_their_lines() {
        assertThat(errors("""
                        id: b
                        tasks:
                          - id: a
                            type: noop
                            branch: "yes"
                            group: "load data"
                          - { id: b, type: noop, depends_on: [a] }
                          - id: pick
                            type: branch
                            config: { choose: { full: true } }
                          - { id: c, type: noop, depends_on: [pick] }
                        """))
                .containsExactly(
                        "dags/b.yaml:5: tasks[a].branch: expected true or false, got \"yes\"",
                        "dags/b.yaml:6: tasks[a].group: must be 1-100 letters, digits, '_', '.' or '-', starting"
                                + " with a letter or digit; got \"load data\"",
                        "dags/b.yaml:10: tasks[pick].config: choose: expected a task id template or a list of them,"
                                + " got {full=true}");
    }

    @Test
    void the_builder_reports_a_bad_group_with_the_other_problems() {
        assertThatThrownBy(() -> DagBuilder.dag("b")
                        .task("a", "noop", t -> t.group("no spaces please").branch(true))
                        .build(TYPES))
                .isInstanceOf(DagValidationException.class)
                .hasMessageContaining("<java>:0: tasks[a].group: must be 1-100 letters")
                .hasMessageContaining("<java>:0: tasks[a].branch: a branch task needs downstream tasks");
    }
}
