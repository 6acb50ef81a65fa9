package dev.sluice.ml.transform;

import java.util.List;

/**
 * What ml.preprocess should fit, already checked: column groups and one strategy per concern.
 *
 * @param numericImpute mean | median | most_frequent | constant | none
 * @param categoricalImpute most_frequent | constant | none
 * @param outliers none | quantile | iqr | zscore
 * @param scaling none | standard | minmax | robust
 * @param encoding onehot | ordinal
 * @param booleans boolean columns, encoded 1 (true) / 0 (false)
 * @param booleanImpute most_frequent | none
 */
public record PreprocessSpec(
        List<String> numeric,
        List<String> categorical,
        List<String> passthrough,
        String numericImpute,
        Object numericFill,
        String categoricalImpute,
        String categoricalFill,
        String outliers,
        double lowerQuantile,
        double upperQuantile,
        double iqrFactor,
        double zThreshold,
        String scaling,
        String encoding,
        boolean failOnUnseen,
        int maxCategories,
        long minFrequency,
        List<String> booleans,
        String booleanImpute) {}
