package dev.sluice.ml.model;

import java.util.List;
import java.util.Map;

/**
 * Dense row-major features plus labels, the input of a fit. Missing values are NaN (XGBoost treats them as
 * missing; logistic regression refuses them).
 */
public record FeatureMatrix(float[] data, int rows, int cols, float[] labels, List<String> features) {

    /** Rows already transformed into {@code features}; a null or missing feature becomes NaN. */
    public static FeatureMatrix of(List<Map<String, Object>> rows, List<String> features, float[] labels) {
        int cols = features.size();
        float[] data = new float[rows.size() * cols];
        for (int r = 0; r < rows.size(); r++) {
            Map<String, Object> row = rows.get(r);
            for (int c = 0; c < cols; c++) {
                Object v = row.get(features.get(c));
                data[r * cols + c] = v == null ? Float.NaN : ((Number) v).floatValue();
            }
        }
        return new FeatureMatrix(data, rows.size(), cols, labels, features);
    }
}
