package dev.sluice.ml.model;

import dev.sluice.ml.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An intercept and one weight per feature: what linear and logistic regression keep, score with (z = b + w·x)
 * and save as JSON ({@code {"intercept": b, "weights": [...]}}).
 */
record LinearWeights(double intercept, double[] weights) {
    LinearWeights {
        weights = weights.clone();
    }

    /** z for each row of a row-major matrix. */
    double[] linear(float[] rowMajor, int rows, int cols) {
        if (cols != weights.length)
            throw new IllegalArgumentException("expected " + weights.length + " features, got " + cols);
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double z = intercept;
            for (int c = 0; c < cols; c++) z += weights[c] * rowMajor[r * cols + c];
            out[r] = z;
        }
        return out;
    }

    byte[] bytes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("intercept", intercept);
        m.put("weights", weights);
        return Json.write(m).getBytes(StandardCharsets.UTF_8);
    }

    static LinearWeights read(byte[] bytes) {
        Map<String, Object> m = Json.readMap(new String(bytes, StandardCharsets.UTF_8));
        @SuppressWarnings("unchecked")
        List<Number> w = (List<Number>) m.get("weights");
        return new LinearWeights(
                ((Number) m.get("intercept")).doubleValue(),
                w.stream().mapToDouble(Number::doubleValue).toArray());
    }
}
