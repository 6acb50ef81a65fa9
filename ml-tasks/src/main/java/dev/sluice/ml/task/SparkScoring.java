package dev.sluice.ml.task;

import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.LinearRegression;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.model.LogisticRegression;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.ml.transform.SqlPlan;
import dev.sluice.ml.transform.SqlPlan.Dialect;
import dev.sluice.task.TaskFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ml.predict's scoring as one Spark SQL query (engine: spark): the fitted transform through {@link SqlPlan} in the
 * Spark dialect, then the model as arithmetic on the features, with the predict API's rules for the prediction.
 * It computes what {@link BatchScorer} computes: each feature goes through a float as {@code FeatureMatrix} holds it,
 * a missing one is NaN, z = intercept + w₁x₁ + w₂x₂ ... is summed left to right in doubles as {@code LinearWeights}
 * does, and the sigmoid has the same two branches. Only Spark's {@code exp} (StrictMath) may differ from Java's
 * in the last bit.
 *
 * <p>Linear and logistic regression only: an XGBoost or random-forest model would need its trees in the job, and an
 * ONNX model onnxruntime in the Python workers; both are refused naming {@code engine}.
 */
final class SparkScoring {
    /** The temp view the scoring job registers the dataset as. */
    static final String VIEW = "sluice_input";

    private static final Dialect D = Dialect.SPARK;

    private SparkScoring() {}

    /** The scoring query over {@link #VIEW}: kept columns, then the prediction columns of {@link BatchScorer}. */
    static String query(LoadedModel model, List<String> keepColumns) throws TaskFailedException {
        String algorithm = model.bundle().algorithm();
        double intercept;
        double[] weights;
        if (model.predictor() instanceof LogisticRegression lr) {
            intercept = lr.intercept();
            weights = lr.weights();
        } else if (model.predictor() instanceof LinearRegression lr) {
            intercept = lr.intercept();
            weights = lr.weights();
        } else {
            throw new TaskFailedException("engine: spark scores logistic_regression and linear_regression models;"
                    + " this one is " + algorithm + " (score it with engine: duckdb)");
        }
        FittedTransform t = model.transform();
        Optional<List<String>> exprs = SqlPlan.expressions(t.input(), t.steps(), t.output(), D);
        if (exprs.isEmpty())
            throw new TaskFailedException("engine: spark needs a transform with a SQL form; this model's has a hashing,"
                    + " text or embedding step (score it with engine: duckdb)");
        List<String> names = t.output().names();
        List<String> features = model.bundle().features();
        if (features.size() != weights.length)
            throw new TaskFailedException("the model has " + weights.length + " weights for " + features.size()
                    + " features: the bundle is damaged");
        BatchScorer.OutputColumns.of(model, keepColumns); // the same clash checks as the DuckDB path

        List<String> inner = new ArrayList<>();
        for (String k : keepColumns) inner.add(D.ident(k));
        StringBuilder z = new StringBuilder(num(intercept));
        for (int c = 0; c < features.size(); c++) {
            int i = names.indexOf(features.get(c));
            String x = i < 0 ? "NULL" : exprs.get().get(i);
            // FeatureMatrix holds features as floats; a missing feature is NaN there.
            String f = "__sluice_f" + c;
            inner.add("coalesce(CAST(CAST(" + x + " AS FLOAT) AS DOUBLE), CAST('NaN' AS DOUBLE)) AS " + f);
            z.append(" + ").append(num(weights[c])).append(" * ").append(f);
        }
        List<String> outer = new ArrayList<>();
        for (String k : keepColumns) outer.add(D.ident(k));
        String score = "(" + z + ")";
        Problem problem = model.bundle().problem();
        switch (problem) {
            case REGRESSION -> outer.add(score + " AS " + PredictTask.PREDICTION);
            case CLASSIFICATION -> {
                // LogisticRegression.sigmoid's two branches, so a large |z| neither overflows nor loses precision.
                String p = "CASE WHEN z >= 0D THEN 1D / (1D + exp(-z)) ELSE exp(z) / (1D + exp(z)) END";
                Label label = model.bundle().label();
                // Spark orders NaN above every number; the Java comparison NaN >= 0.5 is false.
                outer.add("CASE WHEN " + PredictTask.PROBABILITY + " >= 0.5D AND NOT isnan(" + PredictTask.PROBABILITY
                        + ") THEN " + value(label, true) + " ELSE " + value(label, false) + " END AS "
                        + PredictTask.PREDICTION);
                outer.add(PredictTask.PROBABILITY);
                String kept = keepColumns.isEmpty()
                        ? ""
                        : String.join(", ", keepColumns.stream().map(D::ident).toList()) + ", ";
                return "SELECT " + String.join(", ", outer) + " FROM (SELECT " + kept + p + " AS "
                        + PredictTask.PROBABILITY + " FROM (SELECT " + kept + score + " AS z FROM (SELECT "
                        + String.join(", ", inner) + " FROM " + VIEW + ")))";
            }
            case MULTICLASS ->
                throw new TaskFailedException("engine: spark does not score multiclass models yet (engine: duckdb)");
        }
        return "SELECT " + String.join(", ", outer) + " FROM (SELECT " + String.join(", ", inner) + " FROM " + VIEW
                + ")";
    }

    /** A class as a Spark literal of the type the DuckDB path writes it in (BatchScorer.OutputColumns). */
    private static String value(Label label, boolean positive) {
        Object v = label.predicted(positive);
        if (v instanceof Boolean b) return b.toString();
        if ("number".equals(label.valueType())) {
            List<String> names = new ArrayList<>();
            names.add(label.positiveName());
            if (label.negativeClass() != null) names.add(label.negativeClass());
            boolean whole = names.stream().allMatch(n -> n.matches("-?\\d{1,18}"));
            return whole ? "CAST(" + ((Number) v).longValue() + " AS BIGINT)" : num(((Number) v).doubleValue());
        }
        return D.literal(String.valueOf(v));
    }

    /** Double.toString round-trips, so the literal is the weight's exact value. */
    private static String num(double d) {
        if (!Double.isFinite(d)) throw new IllegalArgumentException("non-finite model weight " + d);
        return "CAST(" + d + " AS DOUBLE)";
    }
}
