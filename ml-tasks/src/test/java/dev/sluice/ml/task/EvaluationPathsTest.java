package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.model.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ml.evaluate scores through the SQL form of the transform when it has one; it must give what the Java form
 * (the serving path) gives, row for row, for both the candidate and the champion.
 */
class EvaluationPathsTest {
    @TempDir
    Path home;

    @Test
    void sql_and_java_scoring_agree_and_the_sql_path_is_taken_only_when_every_step_has_a_sql_form() throws Exception {
        Path csv = home.resolve("data.csv");
        Random r = new Random(11);
        StringBuilder b = new StringBuilder("x,z,colour,kind\n");
        for (int i = 0; i < 3000; i++) {
            double x = r.nextGaussian();
            String z = r.nextInt(10) == 0 ? "" : Double.toString(r.nextGaussian() * 3);
            String colour = List.of("red", "green", "blue").get(r.nextInt(3));
            double t = x + (colour.equals("red") ? 1 : 0) + r.nextGaussian() * 0.5;
            b.append(x)
                    .append(',')
                    .append(z)
                    .append(',')
                    .append(colour)
                    .append(',')
                    .append(t > 1.2 ? "hi" : t > 0 ? "mid" : "lo")
                    .append('\n');
        }
        Files.writeString(csv, b);
        Map<String, Object> split = split(csv, null);
        Map<String, Object> pre = preprocess(split);
        Map<String, Object> feat = feature(pre);
        // A binary label has two values: "hi" against the rest, grouped at ingest. The same seed splits the same rows.
        Map<String, Object> binarySplit = split(
                csv, "SELECT * REPLACE (CASE WHEN kind = 'hi' THEN 'hi' ELSE 'mid_or_lo' END AS kind) FROM input");
        Map<String, Object> binaryPre = preprocess(binarySplit);
        LocalArtifactStore store = LocalArtifactStore.inHome(home);
        LoadedModel multiclass = train(feat, Map.of("problem", "multiclass"), store);
        LoadedModel binary = train(feature(binaryPre), Map.of("positive_class", "hi"), store);

        try (DuckDb db = DuckDb.open(home, "256MB", 1)) {
            String test = DuckDb.parquet(store.localPath((String) split.get("test")));
            String binaryTest = DuckDb.parquet(store.localPath((String) binarySplit.get("test")));
            for (LoadedModel[] pair :
                    List.of(new LoadedModel[] {multiclass, null}, new LoadedModel[] {binary, binary})) {
                String rows = pair[0] == binary ? binaryTest : test;
                EvaluateTask.Scores sql =
                        EvaluateTask.Scores.viaSql(db, rows, pair[0], pair[1]).orElseThrow();
                EvaluateTask.Scores java = EvaluateTask.Scores.viaJava(db, rows, pair[0], pair[1]);
                assertThat(sql.labels()).containsExactly(java.labels());
                assertThat(sql.candidate()).hasSize(java.candidate().length).containsExactly(java.candidate());
                if (pair[1] != null) assertThat(sql.champion()).containsExactly(java.champion());
            }
            EvaluateTask.Scores m =
                    EvaluateTask.Scores.viaSql(db, test, multiclass, null).orElseThrow();
            assertThat(m.candidate()).hasSize(m.labels().length * 3); // one probability per class per row

            // Hashing has no SQL form: the Java path it is.
            Map<String, Object> hashed = new FeatureTask()
                    .execute(TestTaskContext.task("feature_hash")
                            .home(home)
                            .upstream("preprocess", binaryPre)
                            .config("label", "kind")
                            .config("hash", Map.of("x", 4))
                            .build())
                    .output();
            LoadedModel h = train(hashed, Map.of("positive_class", "hi"), store);
            assertThat(EvaluateTask.Scores.viaSql(db, binaryTest, h, null)).isEmpty();
            assertThat(EvaluateTask.Scores.viaSql(db, binaryTest, binary, h)).isEmpty();
        }
    }

    private Map<String, Object> split(Path csv, String sql) throws Exception {
        TestTaskContext.Builder ingest =
                TestTaskContext.task("ingest").home(home).config("path", csv.toString());
        if (sql != null) ingest.config("sql", sql);
        String ds = (String) new IngestTask().execute(ingest.build()).output().get("dataset");
        return new SplitTask()
                .execute(TestTaskContext.task("split")
                        .home(home)
                        .config("dataset", ds)
                        .config("seed", 3)
                        .build())
                .output();
    }

    private Map<String, Object> preprocess(Map<String, Object> split) throws Exception {
        return new PreprocessTask()
                .execute(TestTaskContext.task("preprocess")
                        .home(home)
                        .upstream("split", split)
                        .config("label", "kind")
                        .config("outliers", "zscore")
                        .build())
                .output();
    }

    private Map<String, Object> feature(Map<String, Object> pre) throws Exception {
        return new FeatureTask()
                .execute(TestTaskContext.task("feature")
                        .home(home)
                        .upstream("preprocess", pre)
                        .config("label", "kind")
                        .config("interactions", List.of(List.of("x", "z")))
                        .config("bins", Map.of("x", 4))
                        .build())
                .output();
    }

    private LoadedModel train(Map<String, Object> feature, Map<String, Object> extra, LocalArtifactStore store)
            throws Exception {
        TestTaskContext.Builder b = TestTaskContext.task("train")
                .home(home)
                .upstream("feature", feature)
                .config("label", "kind")
                .config("rounds", 20);
        extra.forEach(b::config);
        String bundle = (String) new TrainTask().execute(b.build()).output().get("bundle");
        return LoadedModel.load(store, bundle);
    }
}
