package dev.sluice.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dag.Dag;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Services;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.storage.ObjectStore;
import dev.sluice.testing.EngineHarness;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sensor.file} on the configured object store, a real S3-compatible server (moto): a reschedule-mode sensor
 * waits for an object under the store's URL that appears later; a path outside the store fails at once, saying so.
 */
class StoreFileSensorTest {
    static EngineHarness h;
    static Engine engine;
    static ObjectStore store;
    static String bucket;

    @BeforeAll
    static void start() throws Exception {
        MotoS3Server moto = MotoS3Server.get();
        bucket = moto.newBucket();
        store = new S3ObjectStore(moto.client(), bucket, "sluice");
        h = new EngineHarness();
        engine = h.engine(h.config(), Clock.systemUTC(), new Services().put(ObjectStore.class, store));
    }

    @AfterAll
    static void stop() {
        if (h != null) h.close();
    }

    private String dag(String yaml) {
        Dag dag = new YamlDagParser(h.types).parse(yaml, "dags/" + "store_sensor.yaml");
        h.save(engine, dag);
        return dag.id();
    }

    private String output(long run, String task) {
        Object v = h.db.dsl()
                .fetchValue("select output::text from task_instance where run_id = ? and task_id = ?", run, task);
        return v == null ? null : v.toString();
    }

    @Test
    void a_sensor_waits_for_an_object_in_the_store_and_sees_it_once_written() throws Exception {
        String base = store.url().endsWith("/") ? store.url() : store.url() + "/";
        String id = dag("""
                id: store_sensor
                tasks:
                  - id: wait
                    type: sensor.file
                    config: { path: "%slanding/*/part-*.csv", mode: reschedule, poke_interval: 1s, timeout: 60s }
                """.formatted(base));
        // a key beside the glob does not count
        store.put("landing/2027/other.txt", "x".getBytes(StandardCharsets.UTF_8));
        long run = h.trigger(engine, id, Map.of());
        await().atMost(Duration.ofSeconds(20))
                .until(() -> h.taskStates(run).get("wait") == TaskState.UP_FOR_RESCHEDULE);
        assertThat(h.error(run, "wait")).contains("no object matches " + base + "landing/*/part-*.csv");

        store.put("landing/2027/part-1.csv", "a,b\n".getBytes(StandardCharsets.UTF_8));
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        assertThat(output(run, "wait")).contains("s3://" + bucket + "/sluice/landing/2027/part-1.csv");
        assertThat(output(run, "wait")).doesNotContain("other.txt");
    }

    @Test
    void a_path_outside_the_configured_store_fails_naming_it() throws Exception {
        String id = dag("""
                id: store_sensor_elsewhere
                tasks:
                  - id: wait
                    type: sensor.file
                    config: { path: "s3://someone-elses-bucket/in/*.csv", poke_interval: 1s, timeout: 60s }
                """);
        long run = h.trigger(engine, id, Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        assertThat(h.error(run, "wait"))
                .contains("path: s3://someone-elses-bucket/in/*.csv is not under the configured object store s3://"
                        + bucket + "/sluice/");
    }
}
