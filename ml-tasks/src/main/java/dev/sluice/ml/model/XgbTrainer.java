package dev.sluice.ml.model;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Fits XGBoost with the hist tree method. Reproducible: fixed seed, a fixed thread count and a fresh DMatrix per
 * fit (a reused DMatrix caches quantile sketches from an earlier fit), so the same data, params and seed give
 * identical model bytes.
 */
public final class XgbTrainer {
    private XgbTrainer() {}

    /** Binary classification (labels 0/1) or regression. */
    public static XgbPredictor fit(
            FeatureMatrix m, Problem problem, Map<String, Object> userParams, int rounds, long seed, int threads)
            throws XGBoostError {
        if (problem == Problem.MULTICLASS)
            throw new IllegalArgumentException("multiclass needs its number of classes: use fitMulticlass");
        Map<String, Object> params = new HashMap<>();
        params.put("objective", problem == Problem.CLASSIFICATION ? "binary:logistic" : "reg:squarederror");
        params.putAll(userParams);
        return train(m, params, rounds, seed, threads);
    }

    /** Multiclass with labels 0..classes-1; the model gives one probability per class (multi:softprob). */
    public static XgbPredictor fitMulticlass(
            FeatureMatrix m, int classes, Map<String, Object> userParams, int rounds, long seed, int threads)
            throws XGBoostError {
        Map<String, Object> params = new HashMap<>(userParams);
        // Set after the user's params: serving maps output columns to class labels, which only holds for one
        // probability per class in class order.
        params.put("objective", "multi:softprob");
        params.put("num_class", classes);
        return train(m, params, rounds, seed, threads);
    }

    /**
     * The settings of XGBoost's random-forest mode that {@code params} may change. Rows and columns are sampled
     * (seeded) so the trees differ; lambda nearly 0 lets a leaf keep its own mean instead of shrinking towards the
     * base score, as scikit-learn's and XGBoost's own random forests do.
     */
    public static final Map<String, Object> FOREST_DEFAULTS =
            Map.of("max_depth", 10, "subsample", 0.8, "colsample_bynode", 0.8, "lambda", 1e-5);

    /** Parameters a forest fixes: one round of {@code trees} trees grown side by side and averaged, no shrinkage. */
    public static final Set<String> FOREST_FIXED = Set.of("eta", "learning_rate", "num_parallel_tree");

    /**
     * A random forest (XGBoost's documented mode): {@code trees} trees in a single boosting round with eta 1, each on
     * a seeded sample of the rows and of the columns at every split; XGBoost averages them. Serves like any
     * XGBoost model. {@code classes} is used for multiclass only.
     */
    public static XgbPredictor fitForest(
            FeatureMatrix m,
            Problem problem,
            int classes,
            Map<String, Object> userParams,
            int trees,
            long seed,
            int threads)
            throws XGBoostError {
        if (trees < 1) throw new IllegalArgumentException("trees must be at least 1, got " + trees);
        Map<String, Object> params = new HashMap<>(FOREST_DEFAULTS);
        // lambda and reg_lambda are one parameter: the user's spelling must not meet the default's.
        if (userParams.containsKey("reg_lambda")) params.remove("lambda");
        if (problem != Problem.MULTICLASS)
            params.put("objective", problem == Problem.CLASSIFICATION ? "binary:logistic" : "reg:squarederror");
        params.putAll(userParams);
        if (problem == Problem.MULTICLASS) {
            params.put("objective", "multi:softprob");
            params.put("num_class", classes);
        }
        FOREST_FIXED.forEach(params::remove);
        params.put("eta", 1.0);
        params.put("num_parallel_tree", trees);
        return train(m, params, 1, seed, threads);
    }

    private static XgbPredictor train(
            FeatureMatrix m, Map<String, Object> objectiveAndUserParams, int rounds, long seed, int threads)
            throws XGBoostError {
        Map<String, Object> params = new HashMap<>();
        params.put("tree_method", "hist");
        params.put("max_depth", 6);
        params.put("eta", 0.1);
        params.putAll(objectiveAndUserParams);
        params.put("seed", seed);
        params.put("nthread", threads);
        params.put("verbosity", 0);
        DMatrix train = new DMatrix(m.data(), m.rows(), m.cols(), Float.NaN);
        try {
            train.setLabel(m.labels());
            Booster b = XGBoost.train(train, params, rounds, new HashMap<>(), null, null);
            return XgbPredictor.of(b);
        } finally {
            train.dispose();
        }
    }
}
