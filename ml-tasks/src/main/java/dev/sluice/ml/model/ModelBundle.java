package dev.sluice.ml.model;

import dev.sluice.ml.data.DatasetSchema;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to serve a model, as one JSON artifact: the model bytes and the fitted transform (by artifact
 * reference), the raw input schema callers must send, the feature order the model expects, and where it came from.
 *
 * <p>Format 2 records a binary label's negative class and the label's value type ({@link Label}); format 1 bundles,
 * written before, still load and serve (see {@link Label} for what their predictions say).
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
        long trainedRows) {
    public static final int FORMAT = 2;
    /** Formats this version reads. */
    public static final java.util.Set<Integer> READABLE = java.util.Set.of(1, 2);

    public static final String XGBOOST = "xgboost";
    public static final String LOGISTIC_REGRESSION = "logistic_regression";
    /** An XGBoost model (served by the XGBoost predictor) trained in random-forest mode. */
    public static final String RANDOM_FOREST = "random_forest";

    public static final String LINEAR_REGRESSION = "linear_regression";
}
