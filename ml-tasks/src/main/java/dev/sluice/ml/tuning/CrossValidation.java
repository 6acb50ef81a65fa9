package dev.sluice.ml.tuning;

import dev.sluice.ml.model.FeatureMatrix;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.Metrics;
import dev.sluice.ml.model.Predictor;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.model.Trainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * k-fold cross-validation of one trainer: fitted k times, each time on all folds but one and scored on the one left
 * out. Every single-number metric of the problem is kept per fold, with its mean and standard deviation over the
 * folds (the population deviation, numpy's default, as scikit-learn's cross-validation reports it).
 */
public final class CrossValidation {
    private final int folds;
    private final Map<String, double[]> perFold;

    private CrossValidation(int folds, Map<String, double[]> perFold) {
        this.folds = folds;
        this.perFold = perFold;
    }

    /** Folds for a label's problem: stratified by class for classification, shuffled for regression. */
    public static Folds folds(FeatureMatrix m, Problem problem, int k, long seed) {
        return problem == Problem.REGRESSION
                ? Folds.shuffled(m.rows(), k, seed)
                : Folds.stratified(m.labels(), k, seed);
    }

    public static CrossValidation run(FeatureMatrix m, Label label, Folds folds, Trainer trainer) throws XGBoostError {
        List<String> names = Metrics.names(label.problem());
        Map<String, double[]> perFold = new LinkedHashMap<>();
        for (String n : names) perFold.put(n, new double[folds.k()]);
        for (int f = 0; f < folds.k(); f++) {
            FeatureMatrix held = folds.holdout(m, f);
            Predictor model = trainer.fit(folds.training(m, f));
            Map<String, Object> metrics =
                    Metrics.of(label, held.labels(), model.predict(held.data(), held.rows(), held.cols()));
            for (String n : names) perFold.get(n)[f] = ((Number) metrics.get(n)).doubleValue();
        }
        return new CrossValidation(folds.k(), perFold);
    }

    public int folds() {
        return folds;
    }

    public double mean(String metric) {
        double[] v = values(metric);
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    public double std(String metric) {
        double[] v = values(metric);
        double mean = mean(metric);
        double s = 0;
        for (double x : v) s += (x - mean) * (x - mean);
        return Math.sqrt(s / v.length);
    }

    public double[] values(String metric) {
        double[] v = perFold.get(metric);
        if (v == null)
            throw new IllegalArgumentException(
                    "no cross-validated metric " + metric + "; there are " + perFold.keySet());
        return v.clone();
    }

    /** {folds: k, metric: {mean, std}, ...}: what ml.train reports as its "cv" metrics. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("folds", folds);
        for (String n : perFold.keySet()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("mean", mean(n));
            s.put("std", std(n));
            m.put(n, s);
        }
        return m;
    }
}
