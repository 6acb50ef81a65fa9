package dev.sluice.ml.transform;

import java.util.List;
import java.util.Map;

/** What ml.feature should derive: products, logs, quantile bins, date parts and hashed categoricals. */
public record FeatureSpec(List<List<String>> interactions, List<String> log, Map<String, Integer> bins,
                          Map<String, List<String>> dateParts, Map<String, Integer> hash) {}
