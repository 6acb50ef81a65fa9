package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.ml.transform.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureTaskTest {
    @TempDir
    Path home;

    @Test
    void features_are_fitted_on_training_and_extend_the_transform_from_raw_input() throws Exception {
        Path train = home.resolve("train.csv");
        StringBuilder b = new StringBuilder("x,z,at,city,y\n");
        for (int i = 1; i <= 8; i++)
            b.append(i)
                    .append(',')
                    .append(i * 2)
                    .append(",2026-0")
                    .append(i)
                    .append("-1")
                    .append(i)
                    .append(" 0")
                    .append(i)
                    .append(":00:00,c")
                    .append(i % 3)
                    .append(',')
                    .append(i % 2)
                    .append('\n');
        Files.writeString(train, b);
        String ds = (String) new IngestTask()
                .execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", train.toString())
                        .build())
                .output()
                .get("dataset");
        Map<String, Object> split = Map.of("train", ds);
        Map<String, Object> pre = new PreprocessTask()
                .execute(TestTaskContext.task("preprocess")
                        .home(home)
                        .upstream("split", split)
                        .config("label", "y")
                        .config("scaling", "none")
                        .config("passthrough", List.of("at", "city"))
                        .build())
                .output();

        Map<String, Object> out = new FeatureTask()
                .execute(TestTaskContext.task("feature")
                        .home(home)
                        .upstream("preprocess", pre)
                        .config("label", "y")
                        .config("interactions", List.of(List.of("x", "z"), List.of("x", "x")))
                        .config("log", List.of("z"))
                        .config("bins", Map.of("x", 4))
                        .config("date_parts", Map.of("at", List.of("month", "day_of_week", "hour")))
                        .config("hash", Map.of("city", 4))
                        .build())
                .output();

        FittedTransform t =
                FittedTransform.load(LocalArtifactStore.inHome(home).localPath((String) out.get("transform")));
        assertThat(t.steps()).contains(new Step.Log("z", 2.0), new Step.Bin("x", List.of(2.75, 4.5, 6.25)));
        assertThat(t.input().names()).containsExactly("x", "z", "at", "city");
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("x", 3);
        raw.put("z", 10);
        raw.put("at", LocalDateTime.parse("2026-11-26T07:30:00"));
        raw.put("city", "never-seen");
        Map<String, Object> f = t.apply(raw);
        assertThat(f)
                .containsEntry("x*z", 30.0)
                .containsEntry("x*x", 9.0)
                .containsEntry("x_bin", 1.0)
                .containsEntry("at_month", 11.0)
                .containsEntry("at_day_of_week", 4.0)
                .containsEntry("at_hour", 7.0)
                .doesNotContainKeys("at", "city");
        assertThat((double) f.get("log(z)")).isCloseTo(Math.log1p(8), within(1e-12));
        assertThat(f.keySet().stream()
                        .filter(k -> k.startsWith("city#"))
                        .mapToDouble(k -> (double) f.get(k))
                        .sum())
                .isEqualTo(1.0);
        assertThat(out).containsEntry("train_rows", 8L);
    }

    @Test
    void text_becomes_hashed_n_grams_weighted_by_the_training_idf() throws Exception {
        Path train = home.resolve("reviews.csv");
        Files.writeString(train, """
                review,x,y
                "a good movie",-2,1
                "A GOOD, good plot",3,1
                "not good at all",1,0
                "the movie was long",2,0
                ,0,0
                """);
        String ds = (String) new IngestTask()
                .execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", train.toString())
                        .build())
                .output()
                .get("dataset");
        Map<String, Object> pre = new PreprocessTask()
                .execute(TestTaskContext.task("preprocess")
                        .home(home)
                        .upstream("split", Map.of("train", ds))
                        .config("label", "y")
                        .config("scaling", "none")
                        .config("passthrough", List.of("review"))
                        .build())
                .output();
        Map<String, Object> out = new FeatureTask()
                .execute(TestTaskContext.task("feature")
                        .home(home)
                        .upstream("preprocess", pre)
                        .config("label", "y")
                        .config("power", Map.of("x", 2))
                        .config("text", Map.of("review", Map.of("buckets", 4096, "ngrams", List.of(1, 2))))
                        .build())
                .output();

        FittedTransform t =
                FittedTransform.load(LocalArtifactStore.inHome(home).localPath((String) out.get("transform")));
        Step.Text text = t.steps().stream()
                .filter(s -> s instanceof Step.Text)
                .map(s -> (Step.Text) s)
                .findFirst()
                .orElseThrow();
        assertThat(text.idf()).hasSize(4096);
        // 5 training documents: "good" is in 3 of them, "plot" in 1, an unseen word in none (smoothed like sklearn).
        assertThat(idfOf(text, "good")).isCloseTo(Math.log(6.0 / 4) + 1, within(1e-12));
        assertThat(idfOf(text, "plot")).isCloseTo(Math.log(6.0 / 2) + 1, within(1e-12));
        assertThat(idfOf(text, "zebra")).isCloseTo(Math.log(6.0) + 1, within(1e-12));

        Map<String, Object> f = t.apply(Map.of("review", "Good plot, good!", "x", -3));
        assertThat(f).containsEntry("x^2", -9.0).doesNotContainKey("review");
        double good = 2 * idfOf(text, "good");
        double plot = idfOf(text, "plot");
        double bigrams = idfOf(text, "good plot") * idfOf(text, "good plot")
                + idfOf(text, "plot good") * idfOf(text, "plot good");
        double norm = Math.sqrt(good * good + plot * plot + bigrams);
        assertThat((double) f.get("review#t" + bucketOf(text, "good"))).isCloseTo(good / norm, within(1e-12));
        assertThat((double) f.get("review#t" + bucketOf(text, "plot"))).isCloseTo(plot / norm, within(1e-12));
        assertThat(f.keySet().stream()
                        .filter(k -> k.startsWith("review#t"))
                        .mapToDouble(k -> (double) f.get(k))
                        .map(v -> v * v)
                        .sum())
                .isCloseTo(1.0, within(1e-12));
        Map<String, Object> empty = new java.util.HashMap<>(Map.of("x", 1));
        empty.put("review", null);
        assertThat(t.apply(empty).entrySet().stream()
                        .filter(e -> e.getKey().startsWith("review#t"))
                        .allMatch(e -> (double) e.getValue() == 0.0))
                .isTrue();
        assertThat(out).containsEntry("train_rows", 5L).containsEntry("features", 4096 + 2);
    }

    private static int bucketOf(Step.Text t, String ngram) {
        double[] x = Step.Text.counts(ngram, t.buckets(), ngram.split(" ").length, ngram.split(" ").length);
        for (int i = 0; i < x.length; i++) if (x[i] > 0) return i;
        throw new AssertionError(ngram);
    }

    private static double idfOf(Step.Text t, String ngram) {
        return t.idf().get(bucketOf(t, ngram));
    }
}
