package dev.sluice.ml.task;

import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.ml.db.jooq.Tables.ARTIFACT_LINEAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.Dag;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.engine.Engine;
import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jooq.JSONB;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** cache: true inside real DAG runs: reuse when type, config and inputs are unchanged, recompute when any changes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResultCacheTest {
    private static final String DAG = """
            id: cached_prep
            params:
              file: {type: string, default: ""}
              seed: {type: integer, default: 1}
            tasks:
              - id: ingest
                type: ml.ingest
                config: {path: "{{ params.file }}", cache: true}
              - id: split
                type: ml.split
                depends_on: [ingest]
                config: {seed: "{{ params.seed }}", cache: true}
              - id: preprocess
                type: ml.preprocess
                depends_on: [split]
                config: {label: y, cache: true}
            """;

    private EngineHarness h;
    private Engine engine;
    private Path csv;

    @BeforeAll
    void start() throws Exception {
        h = new EngineHarness();
        engine = h.engine();
        Dag dag = new YamlDagParser(h.types).parse(DAG, "cached_prep.yaml");
        engine.dags().save(dag, h.home.resolve("cached_prep.yaml").toString(), DAG);
        csv = Files.createTempDirectory("sluice-cache").resolve("data.csv");
        write(0);
    }

    @AfterAll
    void stop() {
        h.close();
    }

    @Test
    void an_unchanged_task_reuses_its_result_and_a_changed_input_recomputes_downstream() throws Exception {
        long first = run(1);
        assertThat(output(first, "split")).doesNotContainKey("cached");

        long second = run(1);
        for (String task : List.of("ingest", "split", "preprocess")) {
            assertThat(output(second, task)).as(task).containsEntry("cached", true);
            Map<String, Object> was = output(first, task);
            output(second, task).forEach((k, v) -> {
                if (!k.equals("cached")) assertThat(v).as("%s.%s", task, k).isEqualTo(was.get(k));
            });
        }
        // The reusing attempt carries the lineage of the one that computed: same artifacts, same roles.
        assertThat(lineage(second, "split"))
                .isEqualTo(lineage(first, "split"))
                .anySatisfy(l -> assertThat(l).startsWith("consumed dataset "))
                .anySatisfy(l -> assertThat(l).startsWith("produced train "));

        // Another seed: ingest is reused, the split and everything after it are computed again.
        long reseeded = run(2);
        assertThat(output(reseeded, "ingest")).containsEntry("cached", true);
        assertThat(output(reseeded, "split")).doesNotContainKey("cached");
        assertThat(output(reseeded, "split").get("train"))
                .isNotEqualTo(output(first, "split").get("train"));

        // New bytes in the file (and a new modification time): read again.
        write(500);
        long changed = run(1);
        assertThat(output(changed, "ingest")).doesNotContainKey("cached");
        assertThat(output(changed, "ingest").get("dataset"))
                .isNotEqualTo(output(first, "ingest").get("dataset"));

        // A result whose artifacts are gone from the store is not reused.
        String train = (String) output(changed, "split").get("train");
        Files.delete(LocalArtifactStore.inHome(h.home).localPath(train));
        long afterDelete = run(1);
        assertThat(output(afterDelete, "ingest")).containsEntry("cached", true);
        assertThat(output(afterDelete, "split")).doesNotContainKey("cached").containsEntry("train", train);
    }

    @Test
    void tasks_whose_result_depends_on_more_than_their_inputs_refuse_the_cache_by_name() {
        assertThat(new DeployTask().validate(Map.of("cache", true)))
                .containsExactly("cache: ml.deploy changes the model registry; it always runs");
        assertThat(new EvaluateTask().validate(Map.of("cache", true)))
                .singleElement()
                .asString()
                .startsWith("cache: ml.evaluate compares with the deployed champion");
        assertThat(new ValidateDataTask().validate(Map.of("cache", true, "drift_baseline", "last_success")))
                .singleElement()
                .asString()
                .startsWith("cache: drift_baseline: last_success");
        String refusal = "cache: only file sources can be cached: a query, an API, a topic or a stream can change"
                + " without Sluice seeing it";
        assertThat(new IngestTask().validate(Map.of("cache", true, "source", "http", "url", "http://x")))
                .contains(refusal);
        assertThat(new IngestTask().validate(Map.of("cache", true, "source", "kinesis", "stream", "s")))
                .containsExactly(refusal);
        assertThat(new DeployTask().validate(Map.of())).isEmpty();
    }

    /** 1,000 rows: x, a category, label y; {@code shift} moves x so the bytes differ. */
    private void write(int shift) throws Exception {
        StringBuilder b = new StringBuilder("x,c,y\n");
        for (int i = 0; i < 1000; i++)
            b.append(i + shift)
                    .append(',')
                    .append(i % 3 == 0 ? "a" : "b")
                    .append(',')
                    .append(i % 2)
                    .append('\n');
        Files.writeString(csv, b);
        Files.setLastModifiedTime(csv, FileTime.from(Instant.now().plusSeconds(shift)));
    }

    private long run(int seed) throws InterruptedException {
        long run = h.trigger(engine, "cached_prep", Map.of("file", csv.toString(), "seed", seed));
        assertThat(h.awaitRun(run, Duration.ofSeconds(60)))
                .as(() -> "run states " + h.taskStates(run))
                .isEqualTo(RunState.SUCCESS);
        return run;
    }

    private Map<String, Object> output(long runKey, String task) {
        JSONB out = h.db.dsl()
                .select(TASK_INSTANCE.OUTPUT)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq(task))
                .fetchOne()
                .value1();
        return Json.readMap(out.data());
    }

    private List<String> lineage(long runKey, String task) {
        return h.db.dsl()
                .select(ARTIFACT_LINEAGE.DIRECTION, ARTIFACT_LINEAGE.ROLE, ARTIFACT_LINEAGE.ARTIFACT_ID)
                .from(ARTIFACT_LINEAGE)
                .where(ARTIFACT_LINEAGE.RUN_ID.eq(runKey), ARTIFACT_LINEAGE.TASK_ID.eq(task))
                .orderBy(ARTIFACT_LINEAGE.DIRECTION, ARTIFACT_LINEAGE.ROLE)
                .fetch(r -> r.value1() + " " + r.value2() + " " + r.value3());
    }
}
