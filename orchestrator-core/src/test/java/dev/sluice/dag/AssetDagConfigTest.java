package dev.sluice.dag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.task.TaskTypeRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Outlets and asset schedules are read from YAML and the Java builder alike, and checked with file:line. */
class AssetDagConfigTest {
    private static final TaskTypeRegistry TYPES = TaskTypeRegistry.discover();

    private static Dag parse(String yaml) {
        return new YamlDagParser(TYPES).parse(yaml, "dags/a.yaml");
    }

    private static List<String> errors(String yaml) {
        try {
            parse(yaml);
        } catch (DagValidationException e) {
            return e.errors().stream().map(DagError::toString).toList();
        }
        throw new AssertionError("parsed without errors");
    }

    @Test
    void a_dag_scheduled_on_assets_with_outlets_parses_and_round_trips_through_json() {
        Dag dag = parse("""
                id: consumer
                schedule:
                  assets: [s3://lake/raw/orders.parquet, "dataset:customers"]
                  when: any
                tasks:
                  - id: clean
                    type: noop
                    outlets: [s3://lake/clean/orders.parquet]
                """);
        assertThat(dag.schedule()).isNull();
        assertThat(dag.assetSchedule())
                .isEqualTo(new AssetSchedule(
                        List.of("s3://lake/raw/orders.parquet", "dataset:customers"), AssetSchedule.When.ANY));
        assertThat(dag.task("clean").outlets()).containsExactly("s3://lake/clean/orders.parquet");
        assertThat(DagJson.fromJson(DagJson.toJson(dag))).isEqualTo(dag);
        // when defaults to all
        assertThat(parse("""
                                id: c
                                schedule: { assets: [s3://a/b] }
                                tasks: [{ id: t, type: noop }]
                                """).assetSchedule().when()).isEqualTo(AssetSchedule.When.ALL);
    }

    @Test
    void dags_without_assets_keep_their_json_and_version_hash() {
        Dag dag = parse("""
                id: plain
                schedule: "@daily"
                tasks: [{ id: t, type: noop }]
                """);
        assertThat(DagJson.toJson(dag)).doesNotContain("outlets").contains("\"schedule\":\"@daily\"");
        assertThat(DagJson.fromJson(DagJson.toJson(dag))).isEqualTo(dag);
    }

    @Test
    void bad_asset_declarations_are_reported_at_their_lines() {
        List<String> errors = errors("""
                id: consumer
                schedule:
                  assets: []
                  when: sometimes
                tasks:
                  - id: a
                    type: noop
                    outlets: ["not a uri", s3://ok/x, s3://ok/x, "s3://x/{{ds}}", no-scheme]
                  - id: b
                    type: noop
                    outlets: s3://not/a/list
                """);
        String all = String.join("\n", errors);
        assertThat(all)
                .contains("dags/a.yaml:3: schedule.assets: lists no assets")
                .contains("dags/a.yaml:4: schedule.when: unknown 'when' (assets that must be updated) 'sometimes'")
                .contains("dags/a.yaml:8: tasks[a].outlets[0]: must not contain spaces")
                .contains("dags/a.yaml:8: tasks[a].outlets[2]: lists 's3://ok/x' twice")
                .contains("tasks[a].outlets[3]: must be a fixed URI, not a template")
                .contains("tasks[a].outlets[4]: must start with a scheme")
                .contains("dags/a.yaml:11: tasks[b].outlets: expected a list");
    }

    @Test
    void cron_and_assets_together_or_unknown_keys_are_refused() {
        assertThat(String.join("\n", errors("""
                        id: c
                        schedule: { cron: "@daily", assets: [s3://a/b] }
                        tasks: [{ id: t, type: noop }]
                        """)))
                .contains("dags/a.yaml:2: schedule.cron: a DAG runs on a cron or on assets, not both");
        assertThat(String.join("\n", errors("""
                        id: c
                        schedule: { when: any }
                        tasks: [{ id: t, type: noop }]
                        """))).contains("schedule.assets: is required");
        assertThat(String.join("\n", errors("""
                        id: c
                        schedule: {}
                        tasks: [{ id: t, type: noop }]
                        """))).contains("dags/a.yaml:2: schedule: lists no assets");
        assertThatThrownBy(() -> DagBuilder.dag("c")
                        .schedule("@daily")
                        .scheduleOnAssets(AssetSchedule.When.ALL, "s3://a/b")
                        .task("t", "noop")
                        .build(TYPES))
                .isInstanceOf(DagValidationException.class)
                .hasMessageContaining("schedule: a DAG runs on a cron or on assets, not both");
    }

    @Test
    void the_java_builder_gives_the_same_dag_as_yaml_and_checks_the_same_way() {
        Dag built = DagBuilder.dag("consumer")
                .scheduleOnAssets(AssetSchedule.When.ANY, "s3://lake/raw/orders.parquet", "dataset:customers")
                .task("clean", "noop", t -> t.outlets("s3://lake/clean/orders.parquet"))
                .build(TYPES);
        Dag parsed = parse("""
                id: consumer
                schedule: { assets: [s3://lake/raw/orders.parquet, "dataset:customers"], when: any }
                tasks:
                  - { id: clean, type: noop, outlets: [s3://lake/clean/orders.parquet] }
                """);
        assertThat(built).isEqualTo(parsed);
        assertThatThrownBy(() -> DagBuilder.dag("c")
                        .scheduleOnAssets(AssetSchedule.When.ALL)
                        .task("t", "noop", t -> t.outlets("relative/path"))
                        .build(TYPES))
                .isInstanceOf(DagValidationException.class)
                .hasMessageContaining("schedule.assets: lists no assets")
                .hasMessageContaining("tasks[t].outlets[0]: must start with a scheme");
    }
}
