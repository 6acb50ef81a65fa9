package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.ml.transform.Step;
import dev.sluice.ml.transform.UnseenCategoryException;
import dev.sluice.task.TaskFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreprocessTaskTest {
    @TempDir
    Path home;

    /** Training rows: x = 1..10 with one missing, colour red/blue. Test rows: far away values, a new colour. */
    private Map<String, Object> splits() throws Exception {
        Path train = home.resolve("train.csv");
        StringBuilder t = new StringBuilder("x,colour,y\n");
        for (int i = 1; i <= 9; i++)
            t.append(i)
                    .append(',')
                    .append(i % 3 == 0 ? "blue" : "red")
                    .append(',')
                    .append(i % 2)
                    .append('\n');
        t.append(",red,1\n");
        Files.writeString(train, t);
        Path test = home.resolve("test.csv");
        Files.writeString(test, "x,colour,y\n1000,green,0\n2000,red,1\n,blue,0\n");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("train", ingest(train));
        out.put("test", ingest(test));
        return out;
    }

    private String ingest(Path csv) throws Exception {
        return (String) new IngestTask()
                .execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", csv.toString())
                        .build())
                .output()
                .get("dataset");
    }

    private Map<String, Object> preprocess(Map<String, Object> splits, Map<String, Object> config) throws Exception {
        TestTaskContext.Builder b = TestTaskContext.task("preprocess")
                .home(home)
                .upstream("split", splits)
                .config("label", "y");
        config.forEach(b::config);
        return new PreprocessTask().execute(b.build()).output();
    }

    private FittedTransform transform(Map<String, Object> out) throws Exception {
        return FittedTransform.load(LocalArtifactStore.inHome(home).localPath((String) out.get("transform")));
    }

    @Test
    void statistics_come_from_training_rows_only() throws Exception {
        Map<String, Object> out = preprocess(splits(), Map.of("impute_numeric", "mean", "scaling", "standard"));
        FittedTransform t = transform(out);

        // Training x = 1..9 (the missing one is imputed with their mean, 5). Test values 1000 and 2000 must not count.
        assertThat(t.steps()).contains(new Step.Impute("x", 5.0));
        Step.Scale scale = t.steps().stream()
                .filter(s -> s instanceof Step.Scale)
                .map(s -> (Step.Scale) s)
                .findFirst()
                .orElseThrow();
        assertThat(scale.center()).isCloseTo(5.0, within(1e-12));
        double sd =
                Math.sqrt((16 + 9 + 4 + 1 + 0 + 1 + 4 + 9 + 16 + 0) / 10.0); // population sd of 1..9 plus the imputed 5
        assertThat(scale.scale()).isCloseTo(sd, within(1e-12));
        Step.OneHot oneHot = t.steps().stream()
                .filter(s -> s instanceof Step.OneHot)
                .map(s -> (Step.OneHot) s)
                .findFirst()
                .orElseThrow();
        assertThat(oneHot.categories()).containsExactly("red", "blue"); // no "green": it only occurs in the test split
        assertThat(t.fittedOn()).isEqualTo(splits().get("train"));
        assertThat(t.fittedRows()).isEqualTo(10);

        // The test split went through the same frozen transform.
        List<Map<String, Object>> test = read((String) out.get("test"));
        assertThat((double) test.get(0).get("x")).isCloseTo((1000 - 5.0) / sd, within(1e-9));
        assertThat(test.get(0))
                .containsEntry("colour=red", 0.0)
                .containsEntry("colour=blue", 0.0)
                .containsEntry("y", 0.0);
        assertThat((double) test.get(2).get("x")).isCloseTo(0.0, within(1e-12)); // imputed with the TRAINING mean
    }

    @Test
    void median_minmax_and_quantile_clipping_are_fitted_on_training() throws Exception {
        FittedTransform t = transform(preprocess(
                splits(),
                Map.of(
                        "impute_numeric",
                        "median",
                        "scaling",
                        "minmax",
                        "outliers",
                        "quantile",
                        "outlier_lower_quantile",
                        0.0,
                        "outlier_upper_quantile",
                        1.0)));
        assertThat(t.steps())
                .contains(new Step.Impute("x", 5.0), new Step.Clip("x", 1.0, 9.0), new Step.Scale("x", 1.0, 8.0));
        Map<String, Object> row = t.apply(Map.of("x", 50, "colour", "red"));
        assertThat(row).containsEntry("x", 1.0).containsEntry("colour=red", 1.0);
    }

    @Test
    void robust_scaling_iqr_clipping_and_ordinal_encoding() throws Exception {
        FittedTransform t = transform(preprocess(
                splits(),
                Map.of(
                        "scaling",
                        "robust",
                        "outliers",
                        "iqr",
                        "encoding",
                        "ordinal",
                        "impute_numeric",
                        "constant",
                        "impute_numeric_value",
                        0)));
        assertThat(t.steps()).contains(new Step.Impute("x", 0.0), new Step.Ordinal("colour", List.of("red", "blue")));
        assertThat(t.apply(Map.of("x", 3, "colour", "blue"))).containsEntry("colour", 1.0);
        assertThat(t.apply(Map.of("x", 3, "colour", "green"))).containsEntry("colour", -1.0);
    }

    @Test
    void zscore_clipping_uses_the_training_mean_and_deviation() throws Exception {
        FittedTransform t = transform(preprocess(
                splits(),
                Map.of("impute_numeric", "none", "scaling", "none", "outliers", "zscore", "zscore_threshold", 1.5)));
        // Training x = 1..9 (the missing value does not count): mean 5, population sd sqrt(60/9).
        double sd = Math.sqrt(60 / 9.0);
        Step.Clip clip = t.steps().stream()
                .filter(s -> s instanceof Step.Clip)
                .map(s -> (Step.Clip) s)
                .findFirst()
                .orElseThrow();
        assertThat(clip.lower()).isCloseTo(5 - 1.5 * sd, within(1e-9));
        assertThat(clip.upper()).isCloseTo(5 + 1.5 * sd, within(1e-9));
        assertThat((double) t.apply(Map.of("x", 1000, "colour", "red")).get("x"))
                .isCloseTo(5 + 1.5 * sd, within(1e-9));
        assertThat((double) t.apply(Map.of("x", 6, "colour", "red")).get("x")).isEqualTo(6.0);
    }

    @Test
    void unseen_categories_can_be_refused() throws Exception {
        Map<String, Object> s = splits();
        assertThatThrownBy(() -> preprocess(s, Map.of("unseen", "error")))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("cannot transform the test split")
                .hasMessageContaining("\"green\" of colour was not seen in training");
        // Serving uses the Java path of the same transform, which refuses it too.
        FittedTransform t = transform(preprocess(s, Map.of()));
        FittedTransform strict = new FittedTransform(
                t.input(),
                t.steps().stream()
                        .map(x -> x instanceof Step.OneHot h ? new Step.OneHot(h.column(), h.categories(), true) : x)
                        .toList(),
                t.output(),
                t.fittedOn(),
                t.fittedRows());
        assertThatThrownBy(() -> strict.apply(Map.of("x", 1, "colour", "green")))
                .isInstanceOf(UnseenCategoryException.class);
    }

    @Test
    void bad_config_and_columns_are_named() throws Exception {
        assertThat(new PreprocessTask().validate(Map.of("scaling", "zscore")))
                .containsExactly("scaling must be one of none, standard, minmax, robust, got \"zscore\"");
        assertThat(new PreprocessTask().validate(Map.of("outliers", "sigma")))
                .containsExactly("outliers must be one of none, quantile, iqr, zscore, got \"sigma\"");
        Map<String, Object> s = splits();
        assertThatThrownBy(() -> preprocess(s, Map.of("numeric", List.of("x", "weight"))))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("column weight is not in the training split");
    }

    @Test
    void booleans_are_zero_one_features_and_every_column_left_out_is_named_with_why() throws Exception {
        Path csv = home.resolve("mixed.csv");
        Files.writeString(
                csv,
                "x,w,colour,empty,member,day,y\n1,2,red,,yes,2024-01-01,0\n2,3,blue,,no,2024-01-02,1\n3,4,red,,,2024-01-03,1\n");
        Map<String, Object> splits = Map.of("train", ingest(csv));
        Map<String, Object> out = preprocess(splits, Map.of("numeric", List.of("x")));
        FittedTransform t = transform(out);

        // member (yes / no / missing) is a 0/1 feature; the tie of the training values imputes false.
        assertThat(t.input().column("member").orElseThrow().type()).isEqualTo(ColumnType.BOOLEAN);
        assertThat(t.output().column("member").orElseThrow().type()).isEqualTo(ColumnType.NUMBER);
        assertThat(t.steps()).contains(new Step.BooleanFlag("member", 0.0));
        assertThat(read((String) out.get("train")))
                .extracting(r -> r.get("member"))
                .containsExactly(1.0, 0.0, 0.0);

        // Every other column is in dropped_columns, in the transform and out of the input schema.
        assertThat(out.get("dropped_columns"))
                .isEqualTo(
                        List.of(
                                Map.of("column", "w", "type", "number", "reason", "not listed in numeric"),
                                Map.of(
                                        "column",
                                        "day",
                                        "type",
                                        "timestamp",
                                        "reason",
                                        "a timestamp is not a feature by itself: list it in passthrough and derive date parts with ml.feature's date_parts"),
                                Map.of(
                                        "column",
                                        "empty",
                                        "type",
                                        "string",
                                        "reason",
                                        "no category is kept from the training split (every value is missing, or none occurs min_frequency = 1 times)")));
        assertThat(t.droppedNames()).containsExactly("w", "day", "empty");
        assertThat(t.input().names()).containsExactlyInAnyOrder("x", "colour", "member");

        assertThatThrownBy(() ->
                        preprocess(splits, Map.of("boolean", List.of("member"), "passthrough", List.of("member"))))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("column member is listed in both boolean and passthrough");
        assertThatThrownBy(() -> preprocess(splits, Map.of("boolean", List.of("colour"))))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("boolean column colour is string in the training split, not boolean");
        assertThat(new PreprocessTask().validate(Map.of("impute_boolean", "mean")))
                .containsExactly("impute_boolean must be one of most_frequent, none, got \"mean\"");
    }

    private List<Map<String, Object>> read(String ref) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(home, "128MB", 1)) {
            Rows.forEach(db, DuckDb.parquet(LocalArtifactStore.inHome(home).localPath(ref)), rows::add);
        }
        return rows;
    }
}
