package dev.sluice.ml.tuning;

import dev.sluice.ml.model.FeatureMatrix;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.Trainer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Grid or random search with k-fold cross-validation: every candidate is cross-validated on the same seeded folds
 * (so candidates are compared on identical rows), and the best mean of the spec's metric wins, a tie going to the
 * earlier candidate. Same data, trainer, spec and seed give the same candidates, scores and choice.
 */
public final class HyperparameterSearch {
    private HyperparameterSearch() {}

    /** One candidate: the hyperparameters it sets over the base trainer, and its cross-validation. */
    public record Trial(Map<String, Object> params, CrossValidation cv) {}

    public record Result(SearchSpec spec, List<Trial> trials, int best, double seconds) {
        public Trial bestTrial() {
            return trials.get(best);
        }

        /** What ml.train outputs: the spec, the best candidate and every candidate's fold scores. */
        public Map<String, Object> report() {
            Map<String, Object> m = header();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Trial t : trials) {
                Map<String, Object> row = row(t);
                row.put(
                        "scores",
                        Arrays.stream(t.cv().values(spec.metric())).boxed().toList());
                rows.add(row);
            }
            m.put("results", rows);
            m.put("seconds", seconds);
            return m;
        }

        /** For the experiment log: the same without the per-fold scores. */
        public Map<String, Object> summary() {
            Map<String, Object> m = header();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Trial t : trials) rows.add(row(t));
            m.put("results", rows);
            return m;
        }

        private Map<String, Object> header() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", spec.methodName());
            m.put("metric", spec.metric());
            m.put("folds", spec.folds());
            m.put("candidates", trials.size());
            m.put("fits", trials.size() * spec.folds());
            Map<String, Object> best = row(bestTrial());
            best.put("index", this.best);
            m.put("best", best);
            return m;
        }

        private Map<String, Object> row(Trial t) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("params", t.params());
            row.put("mean", t.cv().mean(spec.metric()));
            row.put("std", t.cv().std(spec.metric()));
            return row;
        }
    }

    public static Result run(SearchSpec spec, FeatureMatrix m, Label label, Trainer base, long seed, PrintWriter log)
            throws XGBoostError {
        long t0 = System.nanoTime();
        List<Map<String, Object>> candidates = spec.candidateList(seed);
        if ((long) candidates.size() * spec.folds() > spec.maxFits()) {
            throw new IllegalArgumentException("search needs " + (long) candidates.size() * spec.folds()
                    + " fits, more than search.max_fits (" + spec.maxFits() + ")");
        }
        Folds folds = CrossValidation.folds(m, label.problem(), spec.folds(), seed);
        List<Trial> trials = new ArrayList<>();
        int best = -1;
        for (int i = 0; i < candidates.size(); i++) {
            Map<String, Object> c = candidates.get(i);
            CrossValidation cv;
            try {
                cv = CrossValidation.run(m, label, folds, base.with(c));
            } catch (XGBoostError | IllegalArgumentException e) {
                throw new IllegalArgumentException("search candidate " + c + " failed: " + e.getMessage(), e);
            }
            trials.add(new Trial(c, cv));
            double mean = cv.mean(spec.metric());
            if (best < 0 || better(mean, trials.get(best).cv().mean(spec.metric()), spec.lowerIsBetter())) best = i;
            log.printf(
                    Locale.ROOT,
                    "search %d/%d %s: %s %.5f ± %.5f%n",
                    i + 1,
                    candidates.size(),
                    c,
                    spec.metric(),
                    mean,
                    cv.std(spec.metric()));
        }
        return new Result(spec, List.copyOf(trials), best, (System.nanoTime() - t0) / 1e9);
    }

    /** Strictly better, so the earlier candidate keeps a tie; a NaN score (no positive row in a fold) never wins. */
    static boolean better(double a, double b, boolean lowerIsBetter) {
        if (Double.isNaN(a)) return false;
        if (Double.isNaN(b)) return true;
        return lowerIsBetter ? a < b : a > b;
    }
}
