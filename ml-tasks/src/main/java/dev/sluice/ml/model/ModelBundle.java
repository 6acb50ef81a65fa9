package dev.sluice.ml.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.sluice.ml.data.DatasetSchema;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to serve a model, as one JSON artifact: the model bytes and the fitted transform (by artifact
 * reference), the raw input schema callers must send, the feature order the model expects, and where it came from.
 *
 * <p>Format 2 records a binary label's negative class and the label's value type ({@link Label}); format 1 bundles,
 * written before, still load and serve (see {@link Label} for what their predictions say).
 *
 * <p>Format 3 adds models Sluice did not train: algorithm {@value #ONNX}, an ONNX graph (by {@code modelRef}) that
 * takes the raw input columns and holds its own preprocessing, so {@code transformRef} is null and {@code features}
 * are the input columns. {@code framework} says what it was built with (sklearn, xgboost, pytorch...), and
 * {@code outputClasses} the class of each of a classifier's probability columns, in the graph's order. Built-in
 * bundles are still written as format 2 (both fields null), so a node of the previous version reads them.
 */
public record ModelBundle(
        int format,
        String algorithm,
        Problem problem,
        Label label,
        List<String> features,
        String modelRef,
        String transformRef,
        DatasetSchema inputSchema,
        Map<String, Object> params,
        long seed,
        String trainedOn,
        long trainedRows,
        // Left out when null, so a built-in bundle's bytes (and hash) are what they were before format 3.
        @JsonInclude(JsonInclude.Include.NON_NULL) String framework,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> outputClasses) {
    public static final int FORMAT = 2;
    /** The format of bundles that hold an ONNX model. */
    public static final int ONNX_FORMAT = 3;
    /** Formats this version reads. */
    public static final java.util.Set<Integer> READABLE = java.util.Set.of(1, 2, 3);

    public static final String XGBOOST = "xgboost";
    public static final String LOGISTIC_REGRESSION = "logistic_regression";
    /** An XGBoost model (served by the XGBoost predictor) trained in random-forest mode. */
    public static final String RANDOM_FOREST = "random_forest";

    public static final String LINEAR_REGRESSION = "linear_regression";
    /** A model brought as an ONNX graph (a python task's {@code sluice.save_model}), scored by ONNX Runtime. */
    public static final String ONNX = "onnx";

    public ModelBundle {
        outputClasses = outputClasses == null ? null : List.copyOf(outputClasses);
    }

    /** A bundle of a model Sluice trained (format 1 and 2 fields only). */
    public ModelBundle(
            int format,
            String algorithm,
            Problem problem,
            Label label,
            List<String> features,
            String modelRef,
            String transformRef,
            DatasetSchema inputSchema,
            Map<String, Object> params,
            long seed,
            String trainedOn,
            long trainedRows) {
        this(
                format,
                algorithm,
                problem,
                label,
                features,
                modelRef,
                transformRef,
                inputSchema,
                params,
                seed,
                trainedOn,
                trainedRows,
                null,
                null);
    }

    /** Whether the model is an ONNX graph holding its own preprocessing (no transform of Sluice's). */
    @JsonIgnore
    public boolean isOnnx() {
        return ONNX.equals(algorithm);
    }

    /** What the registry and the API call the version's kind: {@code onnx}, or {@code builtin} for ml.train's. */
    @JsonIgnore
    public String kind() {
        return isOnnx() ? "onnx" : "builtin";
    }
}
