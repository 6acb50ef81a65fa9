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

    public static XgbPredictor fit(FeatureMatrix m, Problem problem, Map<String, Object> userParams, int rounds,
                                   long seed, int threads) throws XGBoostError {
        Map<String, Object> params = new HashMap<>();
        params.put("objective", problem == Problem.CLASSIFICATION ? "binary:logistic" : "reg:squarederror");
        params.put("tree_method", "hist");
        params.put("max_depth", 6);
        params.put("eta", 0.1);
        params.putAll(userParams);
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
