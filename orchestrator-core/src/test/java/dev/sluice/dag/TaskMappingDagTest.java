package dev.sluice.dag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.task.TaskTypeRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** expand: and max_active_instances in YAML and the Java builder: read alike, stored alike, checked at load time. */
class TaskMappingDagTest {
    private static final TaskTypeRegistry TYPES = TaskTypeRegistry.discover();

    private static final String VALID = """
            id: files
            params:
              regions: { type: list, default: [eu, us] }
            tasks:
              - id: list_files
                type: noop
              - id: process
                type: noop
                depends_on: [list_files]
                expand: { file: "{{ tasks.list_files.output.files }}" }
                max_active_instances: 4
              - id: by_region
                type: noop
                expand: { region: "{{ params.regions }}" }
              - id: literal
                type: noop
                expand: { n: [1, two, { k: 3 }] }
              - { id: reduce, type: noop, depends_on: [process, by_region, literal] }
            """;

    private static List<String> errors(String yaml) {
        try {
            new YamlDagParser(TYPES).parse(yaml, "dags/m.yaml");
        } catch (DagValidationException e) {
            return e.errors().stream().map(DagError::toString).toList();
        }
        throw new AssertionError("parsed without errors");
    }

    @Test
    void yaml_and_builder_give_the_same_mapped_tasks_and_the_stored_form_keeps_them() {
        Dag yaml = new YamlDagParser(TYPES).parse(VALID, "dags/m.yaml");
        TaskMapping process = yaml.task("process").mapping();
        assertThat(process.name()).isEqualTo("file");
        assertThat(process.source())
                .isEqualTo(new TaskMapping.Source(TaskMapping.SourceKind.TASK_OUTPUT, "list_files", List.of("files")));
        assertThat(process.maxActiveInstances()).isEqualTo(4);
        assertThat(yaml.task("by_region").mapping().source())
                .isEqualTo(new TaskMapping.Source(TaskMapping.SourceKind.PARAMS, null, List.of("regions")));
        assertThat(yaml.task("literal").mapping().items()).containsExactly(1, "two", Map.of("k", 3));
        assertThat(yaml.task("reduce").mapped()).isFalse();

        Dag java = DagBuilder.dag("files")
                .param("regions", ParamSpec.ParamType.LIST, List.of("eu", "us"))
                .task("list_files", "noop", t -> {})
                .task(
                        "process",
                        "noop",
                        t -> t.dependsOn("list_files")
                                .expand("file", "{{ tasks.list_files.output.files }}")
                                .maxActiveInstances(4))
                .task("by_region", "noop", t -> t.expand("region", "{{ params.regions }}"))
                .task("literal", "noop", t -> t.expand("n", List.of(1, "two", Map.of("k", 3))))
                .task("reduce", "noop", t -> t.dependsOn("process", "by_region", "literal"))
                .build(TYPES);
        assertThat(java).isEqualTo(yaml);
        assertThat(DagJson.fromJson(DagJson.toJson(yaml))).isEqualTo(yaml);
    }

    @Test
    void a_dag_without_mapped_tasks_keeps_its_stored_form() {
        Dag plain = new YamlDagParser(TYPES).parse("id: p\ntasks:\n  - { id: a, type: noop }\n", "p.yaml");
        assertThat(DagJson.toJson(plain)).doesNotContain("expand").doesNotContain("max_active_instances");
    }

    @Test
    void an_expression_naming_an_unknown_task_or_one_not_upstream_is_an_error_at_its_line() {
        assertThat(errors("""
                        id: m
                        tasks:
                          - { id: a, type: noop }
                          - id: b
                            type: noop
                            expand: { x: "{{ tasks.nope.output.files }}" }
                          - id: c
                            type: noop
                            depends_on: [b]
                            expand:
                              y: "{{ tasks.a.output.files }}"
                        """))
                .containsExactly(
                        "dags/m.yaml:6: tasks[b].expand.x: unknown task 'nope' in {{ tasks.nope.output.files }}",
                        "dags/m.yaml:11: tasks[c].expand.y: 'a' is not upstream of 'c': a mapped task reads the output"
                                + " of a task it depends on (add it to depends_on)");
    }

    @Test
    void an_indirect_upstream_is_enough() {
        Dag dag = new YamlDagParser(TYPES).parse("""
                        id: m
                        tasks:
                          - { id: a, type: noop }
                          - { id: b, type: noop, depends_on: [a] }
                          - { id: c, type: noop, depends_on: [b], expand: { y: "{{ tasks.a.output.files }}" } }
                        """, "dags/m.yaml");
        assertThat(dag.task("c").mapped()).isTrue();
    }

    @Test
    void a_list_that_is_not_a_list_or_a_known_expression_is_an_error_at_its_line() {
        assertThat(errors("""
                        id: m
                        params:
                          name: { type: string, default: x }
                        tasks:
                          - { id: a, type: noop, expand: { x: 5 } }
                          - { id: b, type: noop, expand: { x: "{{ ds }}" } }
                          - { id: c, type: noop, expand: { x: "{{ params.missing }}" } }
                          - { id: d, type: noop, expand: { x: "{{ params.name }}" } }
                          - { id: e, type: noop, expand: { x: [1], y: [2] } }
                          - { id: f, type: noop, expand: [1, 2] }
                        """))
                .containsExactly(
                        "dags/m.yaml:5: tasks[a].expand.x: expected a list, \"{{ params.NAME }}\" or"
                                + " \"{{ tasks.ID.output.KEY }}\", got 5",
                        "dags/m.yaml:6: tasks[b].expand.x: expected a list, \"{{ params.NAME }}\" or"
                                + " \"{{ tasks.ID.output.KEY }}\", got \"{{ ds }}\"",
                        "dags/m.yaml:7: tasks[c].expand.x: unknown param 'missing' (declared: name)",
                        "dags/m.yaml:8: tasks[d].expand.x: param 'name' is of type string; expand needs a list",
                        "dags/m.yaml:9: tasks[e].expand: expected one NAME: LIST entry, such as expand: {file:"
                                + " \"{{ tasks.list_files.output.files }}\"}, got a mapping",
                        "dags/m.yaml:10: tasks[f].expand: expected one NAME: LIST entry, such as expand: {file:"
                                + " \"{{ tasks.list_files.output.files }}\"}, got a list");
    }

    @Test
    void max_active_instances_must_be_positive_and_needs_expand() {
        assertThat(errors("""
                        id: m
                        tasks:
                          - id: a
                            type: noop
                            expand: { x: [1, 2] }
                            max_active_instances: 0
                          - id: b
                            type: noop
                            max_active_instances: 2
                          - id: c
                            type: branch
                            expand: { x: [1] }
                            config: { choose: d }
                          - { id: d, type: noop, depends_on: [c] }
                        """))
                .containsExactly(
                        "dags/m.yaml:6: tasks[a].max_active_instances: must be 1 or more, got 0",
                        "dags/m.yaml:9: tasks[b].max_active_instances: applies only to a task with expand:",
                        "dags/m.yaml:12: tasks[c].expand: a branch task cannot be mapped: it chooses once for the"
                                + " whole task");
    }

    @Test
    void the_builder_reports_the_same_problems() {
        try {
            DagBuilder.dag("m")
                    .task(
                            "a",
                            "noop",
                            t -> t.expand("x", "{{ tasks.nope.output }}").maxActiveInstances(0))
                    .task("b", "noop", t -> t.maxActiveInstances(2))
                    .build(TYPES);
            throw new AssertionError("built without errors");
        } catch (DagValidationException e) {
            assertThat(e.errors().stream().map(er -> er.field() + ": " + er.message()))
                    .containsExactlyInAnyOrder(
                            "tasks[a].max_active_instances: must be 1 or more, got 0",
                            "tasks[b].max_active_instances: applies only to a task with expand:",
                            "tasks[a].expand.x: unknown task 'nope' in {{ tasks.nope.output }}");
        }
    }
}
