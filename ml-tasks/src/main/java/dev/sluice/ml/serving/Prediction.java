package dev.sluice.ml.serving;

/**
 * One row's prediction. For classification {@code label} is the positive class or "not &lt;positive class&gt;" and
 * {@code probability} is P(positive); for regression {@code value} holds the prediction and probability is null.
 */
public record Prediction(String label, Double probability, double value) {}
