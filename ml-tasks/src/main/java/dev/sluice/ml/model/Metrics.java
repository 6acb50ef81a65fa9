package dev.sluice.ml.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Evaluation metrics from labels and scores. Rows with a missing (NaN) label are left out by the caller. */
public final class Metrics {
    /** Metrics where a smaller value is better; all others are better when larger. */
    public static final Set<String> LOWER_IS_BETTER = Set.of("log_loss", "rmse", "mae");

    private Metrics() {}

    public static Map<String, Object> classification(float[] y, double[] p, double threshold) {
        return classification(y, p, threshold, null, null);
    }

    /**
     * Binary metrics. With the names of the classes, the confusion matrix also has the multiclass shape,
     * {@code labels: [positive, negative]} and {@code matrix} (rows the actual class, columns the predicted one),
     * so reports and the UI name the classes by the data's values.
     */
    public static Map<String, Object> classification(
            float[] y, double[] p, double threshold, String positive, String negative) {
        long tp = 0, fp = 0, tn = 0, fn = 0;
        double logLoss = 0;
        for (int i = 0; i < y.length; i++) {
            boolean pos = y[i] == 1f;
            boolean pred = p[i] >= threshold;
            if (pos && pred) tp++;
            else if (pos) fn++;
            else if (pred) fp++;
            else tn++;
            double q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]));
            logLoss -= pos ? Math.log(q) : Math.log(1 - q);
        }
        int n = y.length;
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", n);
        m.put("accuracy", n == 0 ? 0 : (double) (tp + tn) / n);
        m.put("precision", precision);
        m.put("recall", recall);
        m.put("f1", precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
        m.put("roc_auc", rocAuc(y, p));
        m.put("pr_auc", averagePrecision(y, p));
        m.put("log_loss", n == 0 ? 0 : logLoss / n);
        m.put("threshold", threshold);
        Map<String, Object> confusion = new LinkedHashMap<>();
        confusion.put("tp", tp);
        confusion.put("fp", fp);
        confusion.put("tn", tn);
        confusion.put("fn", fn);
        if (positive != null && negative != null) {
            confusion.put("labels", List.of(positive, negative));
            confusion.put("matrix", List.of(List.of(tp, fn), List.of(fp, tn)));
        }
        m.put("confusion_matrix", confusion);
        return m;
    }

    public static Map<String, Object> regression(float[] y, double[] p) {
        double se = 0, ae = 0, mean = 0;
        for (float v : y) mean += v;
        mean /= Math.max(1, y.length);
        double tot = 0;
        for (int i = 0; i < y.length; i++) {
            double d = p[i] - y[i];
            se += d * d;
            ae += Math.abs(d);
            tot += (y[i] - mean) * (y[i] - mean);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", y.length);
        m.put("rmse", Math.sqrt(se / Math.max(1, y.length)));
        m.put("mae", ae / Math.max(1, y.length));
        m.put("r2", tot == 0 ? 0 : 1 - se / tot);
        return m;
    }

    /**
     * Multiclass metrics, following scikit-learn's definitions: {@code y} holds class indices. Macro averages weigh
     * every class that occurs in the labels or the predictions equally; weighted averages weigh classes by their
     * number of rows. {@code roc_auc_ovr} is the mean of one-vs-rest ROC-AUCs over the classes that have both
     * positive and negative rows here (NaN if none). The confusion matrix has a row per actual class and a column
     * per predicted class, in class order.
     */
    public static Map<String, Object> multiclass(float[] y, ClassProbabilities p) {
        int n = y.length;
        int k = p.classes().size();
        if (p.rows() != n) throw new IllegalArgumentException(n + " labels but " + p.rows() + " rows of probabilities");
        long[][] confusion = new long[k][k];
        double logLoss = 0;
        for (int i = 0; i < n; i++) {
            int actual = (int) y[i];
            confusion[actual][p.predicted(i)]++;
            logLoss -= Math.log(Math.min(1 - 1e-15, Math.max(1e-15, p.get(i, actual))));
        }
        long correct = 0;
        double precisionSum = 0, recallSum = 0, f1Sum = 0, wPrecision = 0, wRecall = 0, wF1 = 0;
        int averaged = 0;
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (int c = 0; c < k; c++) {
            long tp = confusion[c][c], support = 0, predicted = 0;
            for (int o = 0; o < k; o++) {
                support += confusion[c][o];
                predicted += confusion[o][c];
            }
            correct += tp;
            double precision = predicted == 0 ? 0 : (double) tp / predicted;
            double recall = support == 0 ? 0 : (double) tp / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            // A class neither present nor predicted says nothing about this model on these rows.
            if (support > 0 || predicted > 0) {
                averaged++;
                precisionSum += precision;
                recallSum += recall;
                f1Sum += f1;
            }
            wPrecision += precision * support;
            wRecall += recall * support;
            wF1 += f1 * support;
            Map<String, Object> pc = new LinkedHashMap<>();
            pc.put("precision", precision);
            pc.put("recall", recall);
            pc.put("f1", f1);
            pc.put("support", support);
            perClass.put(p.classes().get(c), pc);
        }
        List<List<Long>> matrix = new ArrayList<>();
        for (long[] row : confusion) matrix.add(Arrays.stream(row).boxed().toList());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", n);
        m.put("accuracy", n == 0 ? 0 : (double) correct / n);
        m.put("precision_macro", averaged == 0 ? 0 : precisionSum / averaged);
        m.put("recall_macro", averaged == 0 ? 0 : recallSum / averaged);
        m.put("f1_macro", averaged == 0 ? 0 : f1Sum / averaged);
        m.put("precision_weighted", n == 0 ? 0 : wPrecision / n);
        m.put("recall_weighted", n == 0 ? 0 : wRecall / n);
        m.put("f1_weighted", n == 0 ? 0 : wF1 / n);
        m.put("roc_auc_ovr", rocAucOneVsRest(y, p));
        m.put("log_loss", n == 0 ? 0 : logLoss / n);
        m.put("per_class", perClass);
        Map<String, Object> confusionMatrix = new LinkedHashMap<>();
        confusionMatrix.put("labels", p.classes());
        confusionMatrix.put("matrix", matrix);
        m.put("confusion_matrix", confusionMatrix);
        return m;
    }

    private static double rocAucOneVsRest(float[] y, ClassProbabilities p) {
        int n = y.length;
        double sum = 0;
        int classes = 0;
        float[] isClass = new float[n];
        double[] score = new double[n];
        for (int c = 0; c < p.classes().size(); c++) {
            for (int i = 0; i < n; i++) {
                isClass[i] = y[i] == c ? 1f : 0f;
                score[i] = p.get(i, c);
            }
            double auc = rocAuc(isClass, score);
            if (!Double.isNaN(auc)) {
                sum += auc;
                classes++;
            }
        }
        return classes == 0 ? Double.NaN : sum / classes;
    }

    /** ROC-AUC as the Mann-Whitney statistic with average ranks for ties. */
    static double rocAuc(float[] y, double[] p) {
        Integer[] idx = order(p);
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < idx.length) {
            int j = i;
            while (j + 1 < idx.length && p[idx[j + 1]] == p[idx[i]]) j++;
            double avgRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (y[idx[k]] == 1f) {
                    rankSumPos += avgRank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = y.length - pos;
        if (pos == 0 || neg == 0) return Double.NaN;
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /** PR-AUC as average precision (scikit-learn's definition), tied scores taken together. */
    static double averagePrecision(float[] y, double[] p) {
        Integer[] idx = order(p);
        long totalPos = 0;
        for (float v : y) if (v == 1f) totalPos++;
        if (totalPos == 0) return Double.NaN;
        double ap = 0, prevRecall = 0;
        long tp = 0, seen = 0;
        int i = idx.length - 1;
        while (i >= 0) {
            int j = i;
            while (j - 1 >= 0 && p[idx[j - 1]] == p[idx[i]]) j--;
            for (int k = j; k <= i; k++) {
                seen++;
                if (y[idx[k]] == 1f) tp++;
            }
            double recall = (double) tp / totalPos;
            ap += (recall - prevRecall) * ((double) tp / seen);
            prevRecall = recall;
            i = j - 1;
        }
        return ap;
    }

    private static Integer[] order(double[] p) {
        Integer[] idx = new Integer[p.length];
        for (int i = 0; i < p.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.comparingDouble(i -> p[i]));
        return idx;
    }

    /** True when {@code a} is at least as good as {@code b} within {@code tolerance}. */
    public static boolean atLeastAsGood(String metric, double a, double b, double tolerance) {
        return LOWER_IS_BETTER.contains(metric) ? a <= b + tolerance : a >= b - tolerance;
    }

    public static List<String> classificationNames() {
        return List.of("accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "log_loss");
    }

    /** The single-number metrics of a problem: what a gate or a cross-validation can rank models on. */
    public static List<String> names(Problem problem) {
        return switch (problem) {
            case CLASSIFICATION -> classificationNames();
            case MULTICLASS ->
                List.of(
                        "accuracy",
                        "precision_macro",
                        "recall_macro",
                        "f1_macro",
                        "precision_weighted",
                        "recall_weighted",
                        "f1_weighted",
                        "roc_auc_ovr",
                        "log_loss");
            case REGRESSION -> List.of("rmse", "mae", "r2");
        };
    }

    /** The metrics of {@code label}'s problem for a model's output {@code p}; binary rows are positive from 0.5. */
    public static Map<String, Object> of(Label label, float[] y, double[] p) {
        return switch (label.problem()) {
            case CLASSIFICATION -> classification(y, p, 0.5, label.positiveClass(), label.negativeClass());
            case MULTICLASS -> multiclass(y, new ClassProbabilities(label.classes(), p));
            case REGRESSION -> regression(y, p);
        };
    }
}
