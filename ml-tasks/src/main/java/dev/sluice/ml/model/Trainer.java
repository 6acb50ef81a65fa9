package dev.sluice.ml.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * One algorithm with all its settings: what ml.train fits, and the unit a hyperparameter search varies (see
 * {@link #with}). Fitting the same trainer on the same matrix gives the same model bytes.
 *
 * @param xgbParams XGBoost parameters (xgboost, random_forest); {@code rounds} is for xgboost, {@code trees} for
 *                  random_forest, {@code l2} for the linear models, {@code maxIterations} for logistic regression
 */
public record Trainer(
        String algorithm,
        Problem problem,
        int classes,
        Map<String, Object> xgbParams,
        int rounds,
        int trees,
        double l2,
        int maxIterations,
        long seed,
        int threads) {
    public static final List<String> ALGORITHMS = List.of(
            ModelBundle.XGBOOST,
            ModelBundle.RANDOM_FOREST,
            ModelBundle.LOGISTIC_REGRESSION,
            ModelBundle.LINEAR_REGRESSION);

    /** XGBoost parameters ml.train sets itself: a search over them would compare something other than models. */
    private static final Set<String> SET_BY_TRAINER = Set.of("objective", "num_class", "seed", "nthread", "verbosity");

    public Trainer {
        if (!ALGORITHMS.contains(algorithm))
            throw new IllegalArgumentException(
                    "algorithm must be one of " + ALGORITHMS + ", got \"" + algorithm + "\"");
        xgbParams = Map.copyOf(xgbParams);
    }

    public boolean isXgboost() {
        return algorithm.equals(ModelBundle.XGBOOST) || algorithm.equals(ModelBundle.RANDOM_FOREST);
    }

    public Predictor fit(FeatureMatrix m) throws XGBoostError {
        return switch (algorithm) {
            case ModelBundle.XGBOOST ->
                problem == Problem.MULTICLASS
                        ? XgbTrainer.fitMulticlass(m, classes, xgbParams, rounds, seed, threads)
                        : XgbTrainer.fit(m, problem, xgbParams, rounds, seed, threads);
            case ModelBundle.RANDOM_FOREST ->
                XgbTrainer.fitForest(m, problem, classes, xgbParams, trees, seed, threads);
            case ModelBundle.LOGISTIC_REGRESSION -> LogisticRegression.fit(m, l2, maxIterations, 1e-8, threads);
            case ModelBundle.LINEAR_REGRESSION -> LinearRegression.fit(m, l2, threads);
            default -> throw new IllegalStateException(algorithm);
        };
    }

    /**
     * This trainer with some settings replaced, as a search candidate gives them: {@code rounds}, {@code trees} and
     * {@code l2} are the trainer's own, any other key is an XGBoost parameter.
     */
    public Trainer with(Map<String, Object> overrides) {
        Map<String, Object> params = new LinkedHashMap<>(xgbParams);
        int r = rounds, t = trees;
        double penalty = l2;
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            switch (e.getKey()) {
                case "rounds" -> r = wholeNumber("rounds", e.getValue());
                case "trees" -> t = wholeNumber("trees", e.getValue());
                case "l2" -> penalty = ((Number) e.getValue()).doubleValue();
                default -> params.put(e.getKey(), e.getValue());
            }
        }
        return new Trainer(algorithm, problem, classes, params, r, t, penalty, maxIterations, seed, threads);
    }

    /** The settings that made the model, as the bundle and the experiment log record them (sorted keys). */
    public Map<String, Object> settings() {
        Map<String, Object> s = new TreeMap<>();
        switch (algorithm) {
            case ModelBundle.XGBOOST -> {
                s.putAll(xgbParams);
                s.put("rounds", rounds);
            }
            case ModelBundle.RANDOM_FOREST -> {
                s.putAll(XgbTrainer.FOREST_DEFAULTS);
                if (xgbParams.containsKey("reg_lambda")) s.remove("lambda");
                s.putAll(xgbParams);
                s.put("trees", trees);
            }
            case ModelBundle.LOGISTIC_REGRESSION -> {
                s.put("l2", l2);
                s.put("max_iterations", maxIterations);
            }
            default -> s.put("l2", l2);
        }
        return s;
    }

    /**
     * Why {@code key} cannot be searched for {@code algorithm}, or null when it can. XGBoost takes any of its
     * parameters plus rounds (xgboost) or trees (random_forest); the linear models take l2.
     */
    public static String notSearchable(String algorithm, String key) {
        boolean xgb = algorithm.equals(ModelBundle.XGBOOST) || algorithm.equals(ModelBundle.RANDOM_FOREST);
        if (!xgb) return key.equals("l2") ? null : algorithm + " has only l2 to search";
        if (key.equals("l2")) return "l2 is for the linear models; XGBoost's L2 penalty is lambda";
        if (SET_BY_TRAINER.contains(key)) return "it is set by ml.train";
        if (algorithm.equals(ModelBundle.XGBOOST) && key.equals("trees"))
            return "trees is for random_forest; xgboost has rounds";
        if (algorithm.equals(ModelBundle.RANDOM_FOREST)) {
            if (key.equals("rounds")) return "a random forest grows in one round; search trees instead";
            if (XgbTrainer.FOREST_FIXED.contains(key)) return "a random forest fixes " + key;
        }
        return null;
    }

    private static int wholeNumber(String key, Object v) {
        double d = ((Number) v).doubleValue();
        if (d != Math.rint(d) || d < 1 || d > Integer.MAX_VALUE)
            throw new IllegalArgumentException(key + " must be a whole number of at least 1, got " + v);
        return (int) d;
    }
}
