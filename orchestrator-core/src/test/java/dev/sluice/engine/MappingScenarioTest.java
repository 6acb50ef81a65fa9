package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.store.TaskSummary;
import dev.sluice.testing.ConcurrencyProbeTask;
import dev.sluice.testing.EngineHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dynamic task mapping on real PostgreSQL, from the YAML fixtures in src/test/resources/scenarios (mapping_*). */
class MappingScenarioTest {
    static EngineHarness h;
    static Engine engine;
    static final ConcurrencyProbeTask probe = new ConcurrencyProbeTask();

    @BeforeAll
    static void start() throws Exception {
        h = new EngineHarness();
        h.types.register(probe);
        engine = h.engine(h.config().withSlots(16), java.time.Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private Object value(String sql, Object... args) {
        return h.db.dsl().fetchValue(sql, args);
    }

    /** A mapped task's instance states, by map index. */
    private List<String> instanceStates(long run, String taskId) {
        return h.db.dsl()
                .fetch(
                        "select state from task_instance where run_id = ? and task_id = ? order by map_index",
                        run,
                        taskId)
                .getValues(0, String.class);
    }

    private TaskSummary summary(long run, String taskId) {
        return engine.runs().summary(run).tasks().stream()
                .filter(t -> t.taskId().equals(taskId))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void an_upstream_output_of_a_thousand_items_maps_and_the_reduce_step_gets_every_output_in_order() throws Exception {
        long run = h.trigger(engine, h.fixture(engine, "mapping_thousand_files_reduce_in_order"), Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(120))).isEqualTo(RunState.SUCCESS);

        assertThat(value(
                        "select count(*) from task_instance where run_id = ? and task_id = 'double'"
                                + " and state = 'success' and map_index between 0 and 999",
                        run))
                .isEqualTo(1000L);
        // each instance ran on its own item and knew its position
        assertThat(value(
                        "select output->>'n' || '/' || (output->>'i') || '/' || map_item::text from task_instance"
                                + " where run_id = ? and task_id = 'double' and map_index = 737",
                        run))
                .isEqualTo("737/737/737");
        String expected = IntStream.range(0, 1000).mapToObj(i -> i + ",").collect(Collectors.joining());
        assertThat(value("select output->>'all' from task_instance where run_id = ? and task_id = 'reduce'", run))
                .isEqualTo(expected);
        // the reduce step started only after the last instance ended
        assertThat(value(
                        "select r.started_at >= max(d.ended_at) from task_instance r, task_instance d"
                                + " where r.run_id = ? and d.run_id = r.run_id and r.task_id = 'reduce'"
                                + " and d.task_id = 'double' group by r.started_at",
                        run))
                .isEqualTo(true);

        TaskSummary mapped = summary(run, "double");
        assertThat(mapped.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(mapped.mapCount()).isEqualTo(1000);
        assertThat(mapped.attempts()).isEqualTo(1000);
        assertThat(summary(run, "reduce").mapCount()).isZero();
        // each instance has its own log
        assertThat(value(
                        "select count(distinct a.log_path) from attempt a join task_instance t on t.id ="
                                + " a.task_instance_id where t.run_id = ? and t.task_id = 'double'",
                        run))
                .isEqualTo(1000L);
    }

    @Test
    void clearing_a_mapped_task_reruns_only_its_failed_instances() throws Exception {
        Path marker = h.home.resolve("marker-" + System.nanoTime());
        String dag = h.fixture(engine, "mapping_retries_rerun_only_failed_on_clear");
        long run = h.trigger(engine, dag, Map.of("marker", marker.toString()));
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.FAILED);
        assertThat(instanceStates(run, "work")).containsExactly("success", "failed", "success", "failed");
        assertThat(h.db.dsl()
                        .fetch(
                                "select try_number from task_instance where run_id = ? and task_id = 'work'"
                                        + " order by map_index",
                                run)
                        .getValues(0, Integer.class))
                .as("the failed instances used their retry; the others needed one attempt")
                .containsExactly(1, 2, 1, 2);
        assertThat(summary(run, "work").state()).isEqualTo(TaskState.FAILED);
        assertThat(summary(run, "after").state()).isEqualTo(TaskState.UPSTREAM_FAILED);

        Files.writeString(marker, "");
        engine.control().clear(run, List.of("work"), true, false);
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        assertThat(instanceStates(run, "work")).containsExactly("success", "success", "success", "success");
        assertThat(h.db.dsl()
                        .fetch(
                                "select try_number from task_instance where run_id = ? and task_id = 'work'"
                                        + " order by map_index",
                                run)
                        .getValues(0, Integer.class))
                .as("only b and d ran again")
                .containsExactly(1, 3, 1, 3);
        assertThat(summary(run, "after").state()).isEqualTo(TaskState.SUCCESS);
    }

    @Test
    void an_empty_list_skips_the_mapped_task_and_its_downstream_tasks_follow_their_rules() throws Exception {
        long run =
                h.trigger(engine, h.fixture(engine, "mapping_empty_list_skips_and_downstream_follows_rules"), Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(h.taskStates(run))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "list_files", TaskState.SUCCESS,
                        "process", TaskState.SKIPPED,
                        "strict", TaskState.SKIPPED,
                        "report", TaskState.SUCCESS));
        assertThat(value("select count(*) from task_instance where run_id = ? and task_id = 'process'", run))
                .as("no instances, the task's one row skipped")
                .isEqualTo(1L);
        assertThat(value(
                        "select count(*) from attempt a join task_instance t on t.id = a.task_instance_id"
                                + " where t.run_id = ? and t.task_id = 'process'",
                        run))
                .isEqualTo(0L);
    }

    @Test
    void an_upstream_output_that_is_not_a_list_fails_the_mapped_task_naming_it() throws Exception {
        long run = h.trigger(engine, h.fixture(engine, "mapping_upstream_output_not_a_list_fails"), Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.taskStates(run))
                .containsEntry("process", TaskState.FAILED)
                .containsEntry("reduce", TaskState.UPSTREAM_FAILED);
        assertThat(value("select error from task_instance where run_id = ? and task_id = 'process'", run))
                .isEqualTo("mapped task 'process': expand {{ tasks.list_files.output.files }} is not a list:"
                        + " got a string \"a.csv\"");
    }

    @Test
    void max_active_instances_holds_however_many_slots_the_workers_have() throws Exception {
        // a second engine: the limit must hold across claimers, not only within one
        h.engine(h.config().withSlots(16).withWorkerId("mapping-w2"), java.time.Clock.systemUTC());
        long run = h.trigger(engine, h.fixture(engine, "mapping_max_active_instances"), Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCESS);
        assertThat(instanceStates(run, "hold")).hasSize(12).containsOnly("success");
        assertThat(probe.maxConcurrent("mapped_hold")).isBetween(2, 3);
        assertThat(value(
                        "select count(*) from task_instance where run_id = ? and task_id = 'hold' and map_limit = 3",
                        run))
                .isEqualTo(12L);
    }

    @Test
    void literal_and_param_lists_are_expanded_when_the_run_starts() throws Exception {
        String dag = h.fixture(engine, "mapping_literal_and_param_lists");
        long run = h.trigger(engine, dag, Map.of("regions", List.of("ap", "eu", "sa")));
        // created with the run, before any task finished
        assertThat(value("select count(*) from task_instance where run_id = ? and task_id = 'literal'", run))
                .isEqualTo(3L);
        assertThat(value("select count(*) from task_instance where run_id = ? and task_id = 'by_region'", run))
                .isEqualTo(3L);
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        assertThat(h.db.dsl()
                        .fetch(
                                "select output->>'got' from task_instance where run_id = ? and task_id = 'literal'"
                                        + " order by map_index",
                                run)
                        .getValues(0, String.class))
                .containsExactly("1", "two", "{k=3}");
        assertThat(value("select output->>'regions' from task_instance where run_id = ? and task_id = 'reduce'", run))
                .isEqualTo("ap;eu;sa;");

        long byDefault = h.trigger(engine, dag, Map.of());
        assertThat(h.awaitRun(byDefault, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        assertThat(value(
                        "select output->>'regions' from task_instance where run_id = ? and task_id = 'reduce'",
                        byDefault))
                .isEqualTo("eu;us;");
    }

    @Test
    void clearing_the_task_a_mapped_task_reads_its_list_from_expands_it_afresh() throws Exception {
        Path marker = h.home.resolve("grow-" + System.nanoTime());
        String dag = h.fixture(engine, "mapping_clear_with_upstream_reexpands");
        long run = h.trigger(engine, dag, Map.of("marker", marker.toString()));
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        assertThat(value("select output->>'all' from task_instance where run_id = ? and task_id = 'reduce'", run))
                .isEqualTo("ab");

        Files.writeString(marker, "");
        engine.control().clear(run, List.of("list_files"), true, false);
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
        assertThat(instanceStates(run, "each")).containsExactly("success", "success", "success");
        assertThat(value("select output->>'all' from task_instance where run_id = ? and task_id = 'reduce'", run))
                .isEqualTo("abc");
    }
}
