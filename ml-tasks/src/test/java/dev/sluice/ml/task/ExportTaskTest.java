package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ml.Json;
import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.artifact.ObjectArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.python.TestVenv;
import dev.sluice.storage.ObjectStore;
import dev.sluice.storage.s3.MotoS3Server;
import dev.sluice.storage.s3.S3ObjectStore;
import dev.sluice.task.TaskFailedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportTaskTest {
    private static final int ROWS = 1003;

    @TempDir
    Path home;

    /**
     * Rows whose id is their position, a feature twice the id, a boolean, a text (not a feature) and a text label
     * ("b" for every third id): the layout clients/python/tests/test_exports.py recognises rows by.
     */
    private String dataset(int rows) throws Exception {
        Path csv = home.resolve("d" + rows + ".csv");
        StringBuilder c = new StringBuilder("id,twice,flag,y,note\n");
        for (int i = 0; i < rows; i++)
            c.append(i)
                    .append(',')
                    .append(2 * i)
                    .append(',')
                    .append(i % 2 == 1)
                    .append(',')
                    .append(i % 3 == 0 ? "b" : "a")
                    .append(",n")
                    .append(i)
                    .append('\n');
        Files.writeString(csv, c);
        return (String) new IngestTask()
                .execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", csv.toString())
                        .build())
                .output()
                .get("dataset");
    }

    private Map<String, Object> export(String dataset, Map<String, Object> config) throws Exception {
        return export(dataset, config, null);
    }

    private Map<String, Object> export(String dataset, Map<String, Object> config, ArtifactStore store)
            throws Exception {
        TestTaskContext.Builder b =
                TestTaskContext.task("export").home(home).upstream("ingest", Map.of("dataset", dataset));
        if (store != null) b.service(ArtifactStore.class, store);
        config.forEach(b::config);
        return new ExportTask().execute(b.build()).output();
    }

    private Map<String, Object> manifest(Map<String, Object> out) throws Exception {
        return Json.readMap(Files.readString(LocalArtifactStore.inHome(home).localPath((String) out.get("manifest"))));
    }

    private List<Long> ids(String shardRef) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (DuckDb db = DuckDb.open(home, "128MB", 1);
                Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("SELECT id FROM "
                        + DuckDb.parquet(LocalArtifactStore.inHome(home).localPath(shardRef)))) {
            while (r.next()) ids.add(r.getLong(1));
        }
        return ids;
    }

    @Test
    @SuppressWarnings("unchecked")
    void shards_are_balanced_shuffled_and_hold_every_row_once_as_the_manifest_says() throws Exception {
        String ds = dataset(ROWS);
        Map<String, Object> out =
                export(ds, Map.of("shards", 4, "label", "y", "features", List.of("id", "twice", "flag")));
        Map<String, Object> m = manifest(out);
        assertThat(m)
                .containsEntry("format", "sluice.export")
                .containsEntry("format_version", 1)
                .containsEntry("source", ds)
                .containsEntry("rows", ROWS)
                .containsEntry("seed", 42)
                .containsEntry("features", List.of("id", "twice", "flag"))
                .containsEntry("label", Map.of("name", "y", "type", "string", "classes", List.of("a", "b")));
        assertThat((List<Map<String, Object>>) m.get("schema"))
                .extracting(c -> c.get("name") + ":" + c.get("type"))
                .containsExactly("id:number", "twice:number", "flag:boolean", "y:string");
        List<Map<String, Object>> shards = (List<Map<String, Object>>) m.get("shards");
        assertThat(shards).hasSize(4);
        assertThat(shards).extracting(s -> ((Number) s.get("rows")).intValue()).containsExactly(251, 251, 251, 250);
        assertThat(out.get("shards"))
                .isEqualTo(shards.stream().map(s -> s.get("ref")).toList());
        Set<Long> all = new HashSet<>();
        long total = 0;
        for (Map<String, Object> s : shards) {
            String hash = Artifact.hashOf((String) s.get("ref"));
            assertThat(s.get("path")).isEqualTo("sha256/" + hash.substring(0, 2) + "/" + hash);
            assertThat(home.resolve("artifacts").resolve((String) s.get("path")))
                    .isRegularFile();
            List<Long> ids = ids((String) s.get("ref"));
            assertThat(ids)
                    .as("rows are shuffled inside a shard")
                    .isNotEqualTo(ids.stream().sorted().toList());
            all.addAll(ids);
            total += ids.size();
        }
        assertThat(total).isEqualTo(ROWS);
        assertThat(all).hasSize(ROWS);
        assertThat(out)
                .containsEntry("rows", (long) ROWS)
                .containsEntry("classes", List.of("a", "b"))
                .containsEntry("features", List.of("id", "twice", "flag"));
        assertThat((String) out.get("manifest_uri"))
                .startsWith("file:")
                .endsWith(ExportTask.storePath(Artifact.hashOf((String) out.get("manifest"))));
    }

    @Test
    void the_same_seed_gives_the_same_bytes_and_another_seed_other_shards() throws Exception {
        String ds = dataset(300);
        Map<String, Object> cfg = Map.of("shards", 3, "label", "y", "features", List.of("id"), "seed", 5);
        Map<String, Object> first = export(ds, cfg);
        Map<String, Object> again = export(ds, cfg);
        assertThat(again.get("manifest")).isEqualTo(first.get("manifest"));
        assertThat(again.get("shards")).isEqualTo(first.get("shards"));
        Map<String, Object> other = new LinkedHashMap<>(cfg);
        other.put("seed", 6);
        Map<String, Object> reseeded = export(ds, other);
        assertThat(reseeded.get("manifest")).isNotEqualTo(first.get("manifest"));
        String a = (String) ((List<?>) first.get("shards")).get(0);
        String b = (String) ((List<?>) reseeded.get("shards")).get(0);
        assertThat(new HashSet<>(ids(a))).isNotEqualTo(new HashSet<>(ids(b)));
    }

    @Test
    void by_default_the_upstream_preprocess_training_split_and_its_features_are_exported() throws Exception {
        String ds = dataset(50);
        Map<String, Object> out = new ExportTask()
                .execute(TestTaskContext.task("export")
                        .home(home)
                        .upstream("preprocess", Map.of("train", ds, "test", ds, "features", List.of("twice", "id")))
                        .config("label", "y")
                        .config("shards", 2)
                        .build())
                .output();
        assertThat(manifest(out)).containsEntry("features", List.of("twice", "id"));
        assertThat(out).containsEntry("rows", 50L);
    }

    @Test
    void every_column_but_the_label_is_a_feature_by_default_and_text_columns_are_refused_naming_them()
            throws Exception {
        String ds = dataset(20);
        assertThatThrownBy(() -> export(ds, Map.of("label", "y", "shards", 2)))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("features (every column but the label)")
                .hasMessageContaining("note (string)")
                .hasMessageContaining("ml.preprocess");
    }

    @Test
    void bad_config_is_refused_before_the_run_naming_the_field() {
        ExportTask t = new ExportTask();
        assertThat(t.validate(Map.of("shards", 0))).containsExactly("shards must be a whole number >= 1, got 0");
        assertThat(t.validate(Map.of("shards", "many")))
                .containsExactly("shards must be a whole number >= 1, got \"many\"");
        assertThat(t.validate(Map.of("shards", "{{ params.shards }}"))).isEmpty();
        assertThat(t.validate(Map.of("seed", 1.5))).containsExactly("seed must be a whole number, got 1.5");
        assertThat(t.validate(Map.of("features", List.of("a", "y"), "label", "y")))
                .containsExactly("features[1]: \"y\" is the label; a model may not take its answer as input");
        assertThat(t.validate(Map.of("features", List.of("a", "a"))))
                .containsExactly("features[1]: column \"a\" is listed twice");
        assertThat(t.validate(Map.of("features", "a")))
                .containsExactly("features must be a list of column names, got \"a\"");
        assertThat(t.validate(Map.of("features", List.of())))
                .containsExactly("features must name at least one column (or be left out)");
        assertThat(t.validate(Map.of("input", "everything")))
                .containsExactly("input must be one of train, validation, test, dataset, got \"everything\"");
        assertThat(t.validate(Map.of("input", "test", "dataset", "sha256:" + "a".repeat(64))))
                .containsExactly("input: set either dataset or input, not both");
    }

    @Test
    void config_that_does_not_fit_the_data_fails_naming_the_field_and_the_columns() throws Exception {
        String ds = dataset(10);
        assertThatThrownBy(() -> export(ds, Map.of("features", List.of("id", "nope"))))
                .hasMessageContaining("features: no column nope in the dataset (columns: id, twice, flag, y, note)");
        assertThatThrownBy(() -> export(ds, Map.of("features", List.of("id"), "label", "income")))
                .hasMessageContaining("label: no column \"income\" in the dataset");
        assertThatThrownBy(() -> export(ds, Map.of("features", List.of("id"), "shards", 11)))
                .hasMessageContaining("shards: 11 shards need at least 11 rows, the dataset has 10");
        assertThatThrownBy(() -> export(ds, Map.of("shards", -1)))
                .hasMessageContaining("invalid ml.export config: shards must be a whole number >= 1, got -1");
        assertThatThrownBy(() -> new ExportTask()
                        .execute(TestTaskContext.task("export").home(home).build()))
                .hasMessageContaining("dataset: nothing to export");
    }

    @Test
    void on_an_object_store_the_shards_and_manifest_are_objects_under_the_same_artifacts_root() throws Exception {
        MotoS3Server moto = MotoS3Server.get();
        try (ObjectStore s3 = new S3ObjectStore(moto.client(), moto.newBucket(), "lake")) {
            ObjectArtifactStore store = new ObjectArtifactStore(s3, home.resolve("cache/artifacts"));
            String ds = dataset(120);
            // The dataset was ingested into the local store; put it in the bucket as an upstream node would have.
            store.put(
                    copy(LocalArtifactStore.inHome(home).localPath(ds)),
                    dev.sluice.ml.artifact.ArtifactKind.DATASET,
                    Datasets.PARQUET);
            Map<String, Object> out =
                    export(ds, Map.of("shards", 3, "label", "y", "features", List.of("id", "twice")), store);
            String uri = (String) out.get("manifest_uri");
            assertThat(uri).startsWith(s3.url()).endsWith(ExportTask.storePath(Artifact.hashOf((String)
                    out.get("manifest"))));
            for (Object ref : (List<?>) out.get("shards"))
                assertThat(s3.stat(ObjectArtifactStore.keyOf(Artifact.hashOf((String) ref))))
                        .isPresent();
            // The SDK's reader finds the shards beside the manifest in the bucket, through pyarrow's S3 filesystem.
            Map<String, String> env = new LinkedHashMap<>();
            env.put("AWS_ACCESS_KEY_ID", MotoS3Server.ACCESS_KEY);
            env.put("AWS_SECRET_ACCESS_KEY", MotoS3Server.SECRET_KEY);
            env.put("AWS_DEFAULT_REGION", "us-east-1");
            env.put("AWS_ENDPOINT_URL", moto.endpoint());
            env.put("SLUICE_EXPORT_MANIFEST", uri);
            env.put("SLUICE_EXPORT_ROWS", "120");
            pytest(env, "every_row_once or tf_generator");
        }
    }

    @Test
    void the_pytorch_reader_sees_every_exported_row_once_per_epoch_across_workers_and_ranks() throws Exception {
        String ds = dataset(ROWS);
        Map<String, Object> out =
                export(ds, Map.of("shards", 5, "label", "y", "features", List.of("id", "twice", "flag")));
        String manifest = LocalArtifactStore.inHome(home)
                .localPath((String) out.get("manifest"))
                .toString();
        pytest(
                Map.of("SLUICE_EXPORT_MANIFEST", manifest, "SLUICE_EXPORT_ROWS", String.valueOf(ROWS)),
                "every_row_once or order_does_not_depend or without_shuffle or tf_generator or drop_last");
    }

    /** Runs the SDK's reader tests (clients/python/tests/test_exports.py) with the test venv on this export. */
    private void pytest(Map<String, String> env, String select) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(root.resolve("clients/python/tests"))) root = root.getParent();
        Path log = home.resolve("pytest.log");
        ProcessBuilder pb = new ProcessBuilder(
                        TestVenv.python(),
                        "-m",
                        "pytest",
                        "-q",
                        "-p",
                        "no:cacheprovider",
                        "-k",
                        select,
                        root.resolve("clients/python/tests/test_exports.py").toString())
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("pytest finished").isTrue();
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        assertThat(text).as(text).doesNotContain("skipped").contains("passed");
    }

    private Path copy(Path file) throws Exception {
        Path c = Files.createTempFile(home, "copy-", ".parquet");
        Files.copy(file, c, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return c;
    }
}
