package dev.sluice.ml.serving;

import java.util.Map;

/**
 * One row's prediction. For classification {@code label} is the positive class or "not &lt;positive class&gt;" and
 * {@code probability} is P(positive). For multiclass {@code label} is the most probable class, {@code probability}
 * its probability, {@code value} its index and {@code probabilities} every class's probability, in class order.
 * For regression {@code value} holds the prediction. Fields that do not apply are null.
 */
public record Prediction(String label, Double probability, double value, Map<String, Double> probabilities) {}
