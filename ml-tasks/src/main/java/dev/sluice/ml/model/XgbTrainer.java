package dev.sluice.ml.model;

import java.util.HashMap;
import java.util.Map;
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
    public static XgbPredictor fit(FeatureMatrix m, Problem problem, Map<String, Object> userParams, int rounds,
                                   long seed, int threads) throws XGBoostError {
        if (problem == Problem.MULTICLASS) throw new IllegalArgumentException("multiclass needs its number of classes: use fitMulticlass");
        Map<String, Object> params = new HashMap<>();
        params.put("objective", problem == Problem.CLASSIFICATION ? "binary:logistic" : "reg:squarederror");
        params.putAll(userParams);
        return train(m, params, rounds, seed, threads);
    }

    /** Multiclass with labels 0..classes-1; the model gives one probability per class (multi:softprob). */
    public static XgbPredictor fitMulticlass(FeatureMatrix m, int classes, Map<String, Object> userParams, int rounds,
                                             long seed, int threads) throws XGBoostError {
        Map<String, Object> params = new HashMap<>(userParams);
        // Set after the user's params: serving maps output columns to class labels, which only holds for one
        // probability per class in class order.
        params.put("objective", "multi:softprob");
        params.put("num_class", classes);
        return train(m, params, rounds, seed, threads);
    }

    private static XgbPredictor train(FeatureMatrix m, Map<String, Object> objectiveAndUserParams, int rounds, long seed,
                                      int threads) throws XGBoostError {
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
