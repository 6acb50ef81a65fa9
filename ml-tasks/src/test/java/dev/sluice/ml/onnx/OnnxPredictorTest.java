package dev.sluice.ml.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.sluice.ml.Json;
import dev.sluice.ml.model.ModelBundle;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The shapes of ONNX graph OnnxPredictor takes, made by skl2onnx in the pinned test venv and scored against
 * sklearn's own answers: ZipMap probabilities with one input per column, a multiclass model over one float matrix,
 * a regression with an int64 input; and the graphs it refuses, naming what disagrees.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxPredictorTest {
    private Path dir;
    private Map<String, Map<String, Object>> expected;

    @BeforeAll
    void makeModels() throws Exception {
        dir = Files.createTempDirectory("onnx-models");
        Path script = dir.resolve("make.py");
        try (InputStream in = getClass().getResourceAsStream("/python/make_small_onnx_models.py")) {
            Files.copy(in, script);
        }
        Process p = new ProcessBuilder(venvPython(), script.toString(), dir.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        expected = Json.MAPPER.readValue(dir.resolve("expected.json").toFile(), new TypeReference<>() {});
    }

    @Test
    void a_zipmap_output_with_one_input_per_column_gives_sklearn_s_probability_of_the_positive_class()
            throws Exception {
        Map<String, Object> e = expected.get("binary_zipmap");
        List<Map<String, Object>> rows = rows(e);
        List<Double> p = numbers(e.get("p"));
        try (OnnxPredictor yes =
                        predictor("binary_zipmap", meta(Map.of("x", "double", "c", "string"), "binary", "yes"));
                OnnxPredictor no =
                        predictor("binary_zipmap", meta(Map.of("x", "double", "c", "string"), "binary", "no"))) {
            double[] pYes = yes.score(rows);
            double[] pNo = no.score(rows);
            for (int i = 0; i < rows.size(); i++) {
                assertThat(pYes[i]).as("row %d", i).isCloseTo(p.get(i), within(1e-6));
                assertThat(pNo[i]).as("row %d", i).isCloseTo(1 - p.get(i), within(1e-6));
            }
            // A category the encoder never saw is all zeros, as in sklearn with handle_unknown="ignore".
            assertThat(yes.score(List.of(Map.of("x", 0.0, "c", "purple")))[0]).isBetween(0.0, 1.0);
        }
    }

    @Test
    void a_multiclass_model_over_one_float_matrix_takes_the_schema_s_columns_in_order() throws Exception {
        Map<String, Object> e = expected.get("multiclass_matrix");
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("x", "double");
        schema.put("k", "double");
        try (OnnxPredictor m = predictor("multiclass_matrix", meta(schema, "multiclass", null))) {
            List<Map<String, Object>> rows = rows(e);
            double[] scores = m.score(rows);
            @SuppressWarnings("unchecked")
            List<List<Number>> p = (List<List<Number>>) e.get("p");
            for (int i = 0; i < rows.size(); i++)
                for (int c = 0; c < 3; c++)
                    assertThat(scores[i * 3 + c])
                            .as("row %d class %d", i, c)
                            .isCloseTo(p.get(i).get(c).doubleValue(), within(1e-6));
        }
    }

    @Test
    void a_regression_with_an_int64_input_refuses_a_missing_or_fractional_value_naming_row_and_field()
            throws Exception {
        Map<String, Object> e = expected.get("regression_int64");
        try (OnnxPredictor m =
                predictor("regression_int64", meta(Map.of("k", "long", "x", "double"), "regression", null))) {
            List<Map<String, Object>> rows = rows(e);
            double[] v = m.score(rows);
            List<Double> p = numbers(e.get("p"));
            for (int i = 0; i < rows.size(); i++) assertThat(v[i]).isCloseTo(p.get(i), within(1e-9));
            Map<String, Object> missing = new HashMap<>(Map.of("x", 1.0));
            missing.put("k", null);
            assertThatThrownBy(() -> m.score(List.of(Map.of("k", 1, "x", 1.0), missing)))
                    .isInstanceOfSatisfying(OnnxInputException.class, x -> {
                        assertThat(x.row()).isEqualTo(1);
                        assertThat(x.column()).isEqualTo("k");
                        assertThat(x.reason()).contains("integer tensor");
                    });
            assertThatThrownBy(() -> m.score(List.of(Map.of("k", 2.5, "x", 1.0))))
                    .isInstanceOf(OnnxInputException.class)
                    .hasMessageContaining("whole number");
            m.close();
            assertThatThrownBy(() -> m.score(rows)).isInstanceOf(ClosedModelException.class);
        }
    }

    @Test
    void a_graph_that_disagrees_with_the_declared_schema_or_classes_is_refused_naming_why() {
        assertThatThrownBy(() -> predictor("binary_zipmap", meta(Map.of("x", "double"), "binary", "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the graph has an input 'c' that input_schema does not name");
        assertThatThrownBy(
                        () -> predictor("binary_zipmap", meta(Map.of("x", "double", "c", "double"), "binary", "yes")))
                .hasMessageContaining("input 'c' is a string tensor, but input_schema says number");
        assertThatThrownBy(() -> predictor(
                        "binary_zipmap", meta(Map.of("x", "double", "c", "string", "z", "double"), "binary", "yes")))
                .hasMessageContaining("input_schema names 'z', which is not an input of the graph");
        Map<String, Object> twoClasses = meta(Map.of("x", "double", "k", "double"), "multiclass", null);
        twoClasses.put("classes", List.of("a", "b"));
        assertThatThrownBy(() -> predictor("multiclass_matrix", twoClasses))
                .hasMessageContaining("has 3 probability columns, but classes lists 2 [a, b]");
        assertThatThrownBy(() -> predictor("regression_int64", meta(Map.of("k", "long", "x", "double"), "binary", "1")))
                .hasMessageContaining("classes");
    }

    private OnnxPredictor predictor(String name, Map<String, Object> meta) throws Exception {
        byte[] bytes = Files.readAllBytes(dir.resolve(name + ".onnx"));
        ModelBundle b = OnnxBundles.of(meta, "sha256:" + "0".repeat(64), bytes, Map.of(), null, 0);
        return OnnxPredictor.load(bytes, b);
    }

    private Map<String, Object> meta(Map<String, Object> schema, String problem, String positive) {
        Map<String, Object> m = new HashMap<>();
        m.put("input_schema", schema);
        m.put("problem", problem);
        m.put("label", "y");
        m.put("framework", "sklearn");
        if (!problem.equals("regression"))
            m.put("classes", problem.equals("binary") ? List.of("no", "yes") : List.of("a", "b", "c"));
        if (positive != null) m.put("positive_class", positive);
        return m;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Map<String, Object> e) {
        return (List<Map<String, Object>>) e.get("rows");
    }

    private static List<Double> numbers(Object o) {
        return ((List<?>) o).stream().map(x -> ((Number) x).doubleValue()).toList();
    }

    private static String venvPython() throws Exception {
        return dev.sluice.ml.python.TestVenv.python();
    }
}
