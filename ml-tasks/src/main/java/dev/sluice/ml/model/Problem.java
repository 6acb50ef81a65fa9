package dev.sluice.ml.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a model predicts. {@code classification} is binary: the model gives P(positive class). {@code multiclass}
 * gives one probability per class of the label, the classes being the distinct values of the training split.
 * {@code regression} gives a value. Multiclass is asked for explicitly rather than detected from the number of
 * distinct labels, so a binary pipeline whose data happens to grow a third value fails instead of silently changing
 * what its model means.
 */
public enum Problem {
    CLASSIFICATION,
    MULTICLASS,
    REGRESSION;

    public static Problem parse(String s) {
        for (Problem p : values()) if (p.lower().equals(s)) return p;
        throw new IllegalArgumentException("problem must be one of "
                + Arrays.stream(values()).map(Problem::lower).toList() + ", got \"" + s + "\"");
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The metric ml.evaluate compares with the champion when champion_metric is not set. */
    public String championMetric() {
        return switch (this) {
            case CLASSIFICATION -> "roc_auc";
            case MULTICLASS -> "roc_auc_ovr";
            case REGRESSION -> "rmse";
        };
    }
}
