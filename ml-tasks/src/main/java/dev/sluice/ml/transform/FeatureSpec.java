package dev.sluice.ml.transform;

import java.util.List;
import java.util.Map;

/** What ml.feature should derive: products, logs, powers, quantile bins, date parts, hashed categoricals, text. */
public record FeatureSpec(
        List<List<String>> interactions,
        List<String> log,
        Map<String, Double> power,
        Map<String, Integer> bins,
        Map<String, List<String>> dateParts,
        Map<String, Integer> hash,
        Map<String, TextSpec> text) {

    /** Hashed word n-grams of a text column, optionally TF-IDF weighted. */
    public record TextSpec(int buckets, int minN, int maxN, boolean tfidf) {}
}
