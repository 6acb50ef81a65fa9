package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.DagBundleFiles;
import dev.sluice.run.RunState;
import dev.sluice.storage.LocalObjectStore;
import dev.sluice.storage.ObjectStore;
import dev.sluice.store.DagRepository;
import dev.sluice.testing.EngineHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** DAG code travels with the version: a worker without the DAG folder runs the files its run's version stored. */
class DagBundleTest {
    private static final String DAG = """
            id: bundled
            tasks:
              - { id: run_script, type: shell, config: { command: "./script.sh" } }
            """;

    @Test
    void a_worker_elsewhere_runs_the_stored_script_and_a_retry_of_an_old_run_keeps_the_old_script() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Path store = Files.createTempDirectory("sluice-shared-store"); // stands for the bucket both nodes use
            Path flag = Files.createTempDirectory("sluice-flag").resolve("flag");
            Path dags = Files.createTempDirectory("sluice-dags");
            Path dagDir = Files.createDirectories(dags.resolve("team"));
            Files.writeString(dagDir.resolve("bundled.yaml"), DAG);
            script(dagDir, "echo content-v1; test -f '" + flag + "' || exit 3\n");
            Files.writeString(dagDir.resolve(".hidden"), "not shipped");
            Files.writeString(dagDir.resolve("other.yaml"), "id: other\ntasks:\n  - { id: a, type: noop }\n");
            Files.createDirectories(dagDir.resolve("sql"));
            Files.writeString(dagDir.resolve("sql/q.sql"), "select 1");

            // The "server" node: syncs its DAG folder into the database and the store; it runs no task.
            ObjectStore objects = new LocalObjectStore(store);
            DagRepository repo = new DagRepository(h.db.dsl(), Clock.systemUTC());
            DagSync sync = new DagSync(repo, h.types, dags).withBundles(new DagBundles(objects), 1 << 20);
            var first = sync.sync();
            long v1 = first.versionIds().get("bundled");
            assertThat(repo.versionFiles(v1))
                    .get()
                    .asList()
                    .extracting("path")
                    .containsExactly("script.sh", "sql/q.sql");
            assertThat(sync.sync().changed())
                    .as("unchanged files add no version")
                    .isEmpty();

            // The "worker" node: another SLUICE_HOME, same database and store, and no DAG folder at all.
            Path workerHome = Files.createTempDirectory("sluice-worker-home");
            Engine worker = new Engine(
                            h.db,
                            h.types,
                            EngineConfig.defaults(workerHome)
                                    .withHeartbeat(Duration.ofMillis(200))
                                    .withPollInterval(Duration.ofMillis(200))
                                    .withDrainTimeout(Duration.ofSeconds(2))
                                    .withWorkerId("elsewhere"),
                            Clock.systemUTC(),
                            new Services().put(ObjectStore.class, objects))
                    .start();
            try {
                long run1 = h.trigger(worker, "bundled", Map.of());
                assertThat(h.awaitRun(run1, Duration.ofSeconds(30))).isEqualTo(RunState.FAILED);

                // Edit the script: a new version (the DAG file is unchanged), then move the folder away entirely.
                script(dagDir, "echo content-v2\n");
                var second = sync.sync();
                // "other" shares the folder, so the script is in its bundle too: both get a version.
                assertThat(second.changed()).containsExactlyInAnyOrder("bundled", "other");
                assertThat(second.versionIds().get("bundled")).isNotEqualTo(v1);
                deleteTree(dags);

                // The old run's retry runs the old script (which now passes, the flag being there).
                Files.writeString(flag, "");
                worker.control().clearFailed(run1);
                assertThat(h.awaitRun(run1, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
                assertThat(h.log(run1, "run_script")).contains("content-v1").doesNotContain("content-v2");

                long run2 = h.trigger(worker, "bundled", Map.of());
                assertThat(h.awaitRun(run2, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
                assertThat(h.log(run2, "run_script")).contains("content-v2");

                // Materialized once per version under the worker's home; nothing hidden, no other DAG file.
                Path cached = workerHome.resolve("cache/dagfiles").resolve(Long.toString(v1));
                assertThat(cached.resolve("script.sh")).isExecutable();
                assertThat(cached.resolve("sql/q.sql")).hasContent("select 1");
                assertThat(cached.resolve(".hidden")).doesNotExist();
                assertThat(cached.resolve("other.yaml")).doesNotExist();
                try (Stream<Path> left = Files.list(workerHome.resolve("cache/dagfiles"))) {
                    assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
                }
            } finally {
                worker.close();
            }
        }
    }

    @Test
    void a_bundle_over_the_limit_is_an_import_error_naming_the_biggest_files_and_the_setting() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Path dags = Files.createTempDirectory("sluice-dags");
            Files.writeString(dags.resolve("bundled.yaml"), DAG);
            Files.write(dags.resolve("big.csv"), new byte[4000]);
            Files.write(dags.resolve("small.txt"), new byte[10]);
            DagRepository repo = new DagRepository(h.db.dsl(), Clock.systemUTC());
            DagSync sync = new DagSync(repo, h.types, dags)
                    .withBundles(new DagBundles(new LocalObjectStore(Files.createTempDirectory("store"))), 1000);
            var r = sync.sync();
            assertThat(r.dags()).doesNotContainKey("bundled");
            assertThat(r.importErrors().get(dags.resolve("bundled.yaml").toString()))
                    .singleElement()
                    .asString()
                    .contains("SLUICE_DAG_BUNDLE_MAX_BYTES")
                    .contains("big.csv (4000 bytes)")
                    .contains("4010 bytes");
        }
    }

    @Test
    void a_path_leaving_the_dag_folder_still_resolves_against_the_dag_file_s_folder_on_the_node() throws Exception {
        try (EngineHarness h = new EngineHarness()) {
            Path dags = Files.createTempDirectory("sluice-dags");
            Path team = Files.createDirectories(dags.resolve("team"));
            Files.writeString(team.resolve("d.yaml"), """
                    id: outside_data
                    tasks:
                      - { id: t, type: shell, config: { command: "cat x.txt", cwd: "../shared" } }
                    """);
            Files.writeString(Files.createDirectories(dags.resolve("shared")).resolve("x.txt"), "shared data");
            ObjectStore objects = new LocalObjectStore(Files.createTempDirectory("store"));
            Engine e = new Engine(
                            h.db,
                            h.types,
                            h.config(),
                            Clock.systemUTC(),
                            new Services().put(ObjectStore.class, objects))
                    .start();
            try {
                new DagSync(e.dags(), h.types, dags)
                        .withBundles(new DagBundles(objects), 1 << 20)
                        .sync();
                long run = h.trigger(e, "outside_data", Map.of());
                assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.SUCCESS);
                assertThat(h.log(run, "t")).contains("shared data");
            } finally {
                e.close();
            }
        }
    }

    @Test
    void links_are_followed_only_to_files_inside_the_dag_folder() throws Exception {
        Path dags = Files.createTempDirectory("sluice-dags");
        Path outside = Files.createTempFile("secret", ".txt");
        Files.writeString(outside, "secret");
        Files.writeString(dags.resolve("d.yaml"), DAG);
        Files.writeString(dags.resolve("real.txt"), "inside");
        Files.createSymbolicLink(dags.resolve("in.txt"), dags.resolve("real.txt"));
        Files.createSymbolicLink(dags.resolve("out.txt"), outside);
        var c = new DagBundleFiles(dags, 1 << 20)
                .collect(dags.resolve("d.yaml"), java.util.Set.of(dags.resolve("d.yaml")));
        assertThat(c.bundle().files()).extracting("path").containsExactly("in.txt", "real.txt");
    }

    private static void script(Path dir, String body) throws Exception {
        Path s = dir.resolve("script.sh");
        Files.writeString(s, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
