package dev.sluice.ml.task;

import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
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
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.jooq.JSONB;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Drift against the last successful run, inside real DAG runs on the engine: each run ingests a day's file and
 * validate_data compares it with the statistics the DAG's latest successful run stored. A failed run is no
 * baseline; the first run has none and passes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DriftAgainstLastSuccessTest {
    private static final String DAG = """
            id: drift_watch
            params:
              file: {type: string, default: ""}
            tasks:
              - id: ingest
                type: ml.ingest
                config: {path: "{{ params.file }}", source: csv}
              - id: check
                type: ml.validate_data
                depends_on: [ingest]
                config: {drift_baseline: last_success, max_psi: 0.2}
            """;

    private EngineHarness h;
    private Engine engine;
    private Path dir;

    @BeforeAll
    void start() throws Exception {
        h = new EngineHarness();
        engine = h.engine();
        Dag dag = new YamlDagParser(h.types).parse(DAG, "drift_watch.yaml");
        engine.dags().save(dag, h.home.resolve("drift_watch.yaml").toString(), DAG);
        dir = Files.createTempDirectory("sluice-drift");
    }

    @AfterAll
    void stop() {
        h.close();
    }

    @Test
    void each_run_is_compared_with_the_latest_successful_one() throws Exception {
        long first = run(day("day1", 1, 0, 0.5));
        assertThat(h.runState(first)).isEqualTo(RunState.SUCCESS);
        assertThat(output(first)).containsEntry("passed", true).doesNotContainKey("psi");
        assertThat(report(first)).containsEntry("baseline", null);

        long second = run(day("day2", 2, 0, 0.5)); // same distribution, other rows
        assertThat(h.runState(second)).isEqualTo(RunState.SUCCESS);
        Map<String, Object> psi = map(output(second).get("psi"));
        assertThat(psi).containsOnlyKeys("amount", "kind");
        assertThat((double) psi.get("amount")).isLessThan(0.05);
        assertThat((double) psi.get("kind")).isLessThan(0.05);
        assertThat(map(report(second).get("baseline")))
                .containsEntry("kind", "last_success")
                .containsEntry("run_id", runId(first));

        long shifted = run(day("day3", 3, 60, 0.9)); // amounts moved up by 60, kind mostly "a"
        assertThat(h.runState(shifted)).isEqualTo(RunState.FAILED);
        String error = h.db.dsl()
                .select(TASK_INSTANCE.ERROR)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(shifted), TASK_INSTANCE.TASK_ID.eq("check"))
                .fetchOne()
                .value1();
        assertThat(error)
                .contains("drift: PSI of amount is")
                .contains("drift: PSI of kind is")
                .contains("above 0.2000");

        // The failed run's data is not the baseline: the next day is compared with the second run again.
        long fourth = run(day("day4", 4, 0, 0.5));
        assertThat(h.runState(fourth)).isEqualTo(RunState.SUCCESS);
        assertThat(map(report(fourth).get("baseline"))).containsEntry("run_id", runId(second));
    }

    /** 2,000 rows: amount uniform in [shift, shift + 100), kind "a" with probability pA else "b". */
    private Path day(String name, long seed, int shift, double pA) throws Exception {
        Random r = new Random(seed);
        StringBuilder csv = new StringBuilder("amount,kind\n");
        for (int i = 0; i < 2000; i++)
            csv.append(shift + r.nextInt(100))
                    .append(',')
                    .append(r.nextDouble() < pA ? "a" : "b")
                    .append('\n');
        Path f = dir.resolve(name + ".csv");
        Files.writeString(f, csv);
        return f;
    }

    private long run(Path file) throws InterruptedException {
        long run = h.trigger(engine, "drift_watch", Map.of("file", file.toString()));
        h.awaitRun(run, Duration.ofSeconds(60));
        return run;
    }

    private String runId(long runKey) {
        return h.db.dsl()
                .select(DAG_RUN.RUN_ID)
                .from(DAG_RUN)
                .where(DAG_RUN.ID.eq(runKey))
                .fetchOne()
                .value1();
    }

    private Map<String, Object> output(long runKey) {
        JSONB out = h.db.dsl()
                .select(TASK_INSTANCE.OUTPUT)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq("check"))
                .fetchOne()
                .value1();
        return Json.readMap(out.data());
    }

    private Map<String, Object> report(long runKey) throws Exception {
        String ref = (String) output(runKey).get("report");
        return Json.readMap(Files.readString(LocalArtifactStore.inHome(h.home).localPath(ref)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}
