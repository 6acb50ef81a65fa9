package dev.sluice.ml.artifact;

import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dag.Dag;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineConfig;
import dev.sluice.engine.Services;
import dev.sluice.ml.Json;
import dev.sluice.run.RunState;
import dev.sluice.storage.ObjectStore;
import dev.sluice.storage.ObjectStores;
import dev.sluice.storage.s3.MotoS3Server;
import dev.sluice.storage.s3.S3ObjectStore;
import dev.sluice.testing.EngineHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Artifacts in a shared object store (a real S3-compatible server), read by nodes that did not write them. */
class ArtifactStoreOnS3Test {
    private static final String DAG = """
            id: s3_pipeline
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
                config: {seed: "{{ params.seed }}"}
              - id: preprocess
                type: ml.preprocess
                depends_on: [split]
                config: {label: y}
              - id: train
                type: ml.train
                depends_on: [preprocess]
                config: {label: y, rounds: 10, threads: 1}
            """;

    private static ObjectStore s3() throws Exception {
        MotoS3Server moto = MotoS3Server.get();
        return new S3ObjectStore(moto.client(), moto.newBucket(), "sluice");
    }

    @Test
    void a_second_worker_with_an_empty_cache_runs_on_the_artifacts_the_first_one_stored() throws Exception {
        try (EngineHarness h = new EngineHarness();
                ObjectStore store = s3()) {
            Path homeA = Files.createTempDirectory("sluice-worker-a");
            Path homeB = Files.createTempDirectory("sluice-worker-b");
            Path csv = Files.createTempDirectory("sluice-s3-data").resolve("data.csv");
            StringBuilder b = new StringBuilder("x,c,y\n");
            for (int i = 0; i < 600; i++)
                b.append(i)
                        .append(',')
                        .append(i % 3 == 0 ? "a" : "b")
                        .append(',')
                        .append(i % 2)
                        .append('\n');
            Files.writeString(csv, b);

            Engine a = engine(h, homeA, "worker-a", store);
            Dag dag = new YamlDagParser(h.types).parse(DAG, "s3_pipeline.yaml");
            a.dags().save(dag, homeA.resolve("s3_pipeline.yaml").toString(), DAG);
            long first = run(h, a, csv, 1);
            a.close();
            String model = (String) output(h, first, "train").get("model");
            String dataset = (String) output(h, first, "ingest").get("dataset");
            // Everything is in the bucket under the local layout's keys; worker A kept nothing but its cache.
            assertThat(store.stat(ObjectArtifactStore.keyOf(Artifact.hashOf(model))))
                    .isPresent();
            assertThat(homeA.resolve("artifacts")).doesNotExist();

            // Worker B: another home, an empty cache. Ingest is reused from the first run (its artifact is in the
            // store), so split must download what worker A ingested.
            Engine w = engine(h, homeB, "worker-b", store);
            long second = run(h, w, csv, 2);
            assertThat(output(h, second, "ingest"))
                    .containsEntry("cached", true)
                    .containsEntry("dataset", dataset);
            assertThat(output(h, second, "split")).doesNotContainKey("cached");
            Path cache = homeB.resolve("cache/artifacts/sha256");
            assertThat(cache.resolve(Artifact.hashOf(dataset).substring(0, 2)).resolve(Artifact.hashOf(dataset)))
                    .isRegularFile();
            assertThat(homeB.resolve("artifacts")).doesNotExist();

            // A reader with an empty cache gets the model A trained, byte for byte.
            ArtifactStore reader = ArtifactStores.of(store, Files.createTempDirectory("sluice-reader"));
            Path local = reader.localPath(model);
            assertThat(LocalArtifactStore.sha256(local)).isEqualTo(Artifact.hashOf(model));
            w.close();
        }
    }

    @Test
    void concurrent_reads_of_one_ref_on_one_node_all_get_the_whole_file() throws Exception {
        try (ObjectStore store = s3()) {
            ArtifactStore writer = ArtifactStores.of(store, Files.createTempDirectory("sluice-writer"));
            Path f = writer.newTempFile(".bin");
            byte[] bytes = new byte[3 * 1024 * 1024];
            new java.util.Random(7).nextBytes(bytes);
            Files.write(f, bytes);
            Artifact art = writer.put(f, ArtifactKind.DATASET, "application/octet-stream");
            assertThat(art.uri()).startsWith("s3://").endsWith(ObjectArtifactStore.keyOf(art.hash()));

            Path home = Files.createTempDirectory("sluice-node");
            int n = 8;
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                List<Future<Path>> got = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    // One store object per "attempt", as each task builds its own: only the directory is shared.
                    ArtifactStore mine = ArtifactStores.of(store, home);
                    got.add(pool.submit((Callable<Path>) () -> {
                        go.await();
                        return mine.localPath(art.ref());
                    }));
                }
                go.countDown();
                for (Future<Path> p : got)
                    assertThat(Files.readAllBytes(p.get())).isEqualTo(bytes);
            } finally {
                pool.shutdownNow();
            }
            // No partial downloads left behind.
            try (Stream<Path> left = Files.list(home.resolve("cache/artifacts/tmp"))) {
                assertThat(left).isEmpty();
            }
            assertThatThrownBy(() -> ArtifactStores.of(store, home).localPath("sha256:" + "0".repeat(64)))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("no artifact sha256:000");
            assertThat(ArtifactStores.of(store, home).contains(art.ref())).isTrue();
            assertThat(ArtifactStores.of(store, home).contains("sha256:" + "1".repeat(64)))
                    .isFalse();
        }
    }

    @Test
    void the_default_local_store_keeps_the_old_layout_under_sluice_home_without_a_copy() throws Exception {
        Path home = Files.createTempDirectory("sluice-home");
        // An artifact written before object stores existed...
        LocalArtifactStore old = LocalArtifactStore.inHome(home);
        Path f = old.newTempFile(".txt");
        Files.writeString(f, "old bytes");
        Artifact before = old.put(f, ArtifactKind.REPORT, "text/plain");
        try (ObjectStore store = ObjectStores.open(null, home, Map.of())) {
            ArtifactStore now = ArtifactStores.of(store, home);
            // ...is read where it lies,
            assertThat(now.localPath(before.ref())).isEqualTo(old.localPath(before.ref()));
            // and a new one lands at the same path as before, with no cache beside it.
            Path g = now.newTempFile(".txt");
            Files.writeString(g, "new bytes");
            Artifact after = now.put(g, ArtifactKind.REPORT, "text/plain");
            Path expected = home.resolve("artifacts/sha256")
                    .resolve(after.hash().substring(0, 2))
                    .resolve(after.hash());
            assertThat(now.localPath(after.ref()).toRealPath()).isEqualTo(expected.toRealPath());
            assertThat(Files.readString(expected, StandardCharsets.UTF_8)).isEqualTo("new bytes");
            assertThat(home.resolve("cache")).doesNotExist();
        }
    }

    private static Engine engine(EngineHarness h, Path home, String id, ObjectStore store) {
        EngineConfig cfg = EngineConfig.defaults(home)
                .withHeartbeat(Duration.ofMillis(200))
                .withPollInterval(Duration.ofMillis(200))
                .withDrainTimeout(Duration.ofSeconds(2))
                .withWorkerId(id);
        return new Engine(h.db, h.types, cfg, Clock.systemUTC(), new Services().put(ObjectStore.class, store)).start();
    }

    private static long run(EngineHarness h, Engine e, Path csv, int seed) throws InterruptedException {
        long run = h.trigger(e, "s3_pipeline", Map.of("file", csv.toString(), "seed", seed));
        assertThat(h.awaitRun(run, Duration.ofSeconds(120)))
                .as(() -> "run states " + h.taskStates(run) + " " + h.error(run, "split") + " " + h.error(run, "train"))
                .isEqualTo(RunState.SUCCESS);
        return run;
    }

    private static Map<String, Object> output(EngineHarness h, long runKey, String task) {
        return Json.readMap(h.db.dsl()
                .select(TASK_INSTANCE.OUTPUT)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq(task))
                .fetchOne()
                .value1()
                .data());
    }
}
