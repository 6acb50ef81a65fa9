package dev.sluice.ml.model;

import dev.sluice.ml.Json;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * L2-regularised binary logistic regression fitted by Newton's method (IRLS) with a Cholesky solve. Plain
 * sequential loops, no randomness: the same data gives bit-identical weights. Suits the tens to low hundreds of
 * features a preprocessed table has; it refuses missing values (impute them first).
 */
public final class LogisticRegression implements Predictor {
    private final double intercept;
    private final double[] weights;

    public LogisticRegression(double intercept, double[] weights) {
        this.intercept = intercept;
        this.weights = weights.clone();
    }

    public static LogisticRegression fit(FeatureMatrix m, double l2, int maxIterations, double tolerance) {
        int n = m.rows();
        int p = m.cols() + 1; // index 0 is the intercept, not penalised
        for (int i = 0; i < m.data().length; i++) {
            if (Float.isNaN(m.data()[i])) {
                throw new IllegalArgumentException("feature " + m.features().get(i % m.cols())
                        + " has missing values: logistic regression needs them imputed (ml.preprocess impute)");
            }
        }
        double[] beta = new double[p];
        double[] x = new double[p];
        for (int iter = 0; iter < maxIterations; iter++) {
            double[] grad = new double[p];
            double[] hess = new double[p * p]; // upper triangle used
            for (int r = 0; r < n; r++) {
                x[0] = 1;
                for (int c = 1; c < p; c++) x[c] = m.data()[r * m.cols() + c - 1];
                double z = 0;
                for (int c = 0; c < p; c++) z += beta[c] * x[c];
                double mu = sigmoid(z);
                double w = Math.max(mu * (1 - mu), 1e-10);
                double g = mu - m.labels()[r];
                for (int a = 0; a < p; a++) {
                    double xa = x[a];
                    if (xa == 0) continue; // one-hot columns are mostly zero
                    grad[a] += g * xa;
                    double wxa = w * xa;
                    for (int b = a; b < p; b++) hess[a * p + b] += wxa * x[b];
                }
            }
            for (int a = 1; a < p; a++) {
                grad[a] += l2 * beta[a];
                hess[a * p + a] += l2;
            }
            hess[0] += 1e-9; // keeps the system positive definite when a column is constant
            for (int a = 0; a < p; a++) for (int b = 0; b < a; b++) hess[a * p + b] = hess[b * p + a];
            double[] step = choleskySolve(hess, grad, p);
            double maxStep = 0;
            for (int c = 0; c < p; c++) {
                beta[c] -= step[c];
                maxStep = Math.max(maxStep, Math.abs(step[c]));
            }
            if (maxStep < tolerance) break;
        }
        return new LogisticRegression(beta[0], Arrays.copyOfRange(beta, 1, p));
    }

    private static double[] choleskySolve(double[] a, double[] b, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                if (i == j) {
                    l[i * n + i] = Math.sqrt(Math.max(s, 1e-12));
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i * n + k] * y[k];
            y[i] = s / l[i * n + i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
            x[i] = s / l[i * n + i];
        }
        return x;
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    @Override
    public double[] predict(float[] rowMajor, int rows, int cols) {
        if (cols != weights.length) throw new IllegalArgumentException("expected " + weights.length + " features, got " + cols);
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double z = intercept;
            for (int c = 0; c < cols; c++) z += weights[c] * rowMajor[r * cols + c];
            out[r] = sigmoid(z);
        }
        return out;
    }

    @Override
    public byte[] bytes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("intercept", intercept);
        m.put("weights", weights);
        return Json.write(m).getBytes(StandardCharsets.UTF_8);
    }

    public static LogisticRegression load(byte[] bytes) {
        Map<String, Object> m = Json.readMap(new String(bytes, StandardCharsets.UTF_8));
        @SuppressWarnings("unchecked")
        List<Number> w = (List<Number>) m.get("weights");
        return new LogisticRegression(((Number) m.get("intercept")).doubleValue(),
                w.stream().mapToDouble(Number::doubleValue).toArray());
    }
}
