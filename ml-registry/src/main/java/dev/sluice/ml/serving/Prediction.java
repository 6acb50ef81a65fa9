package dev.sluice.ml.serving;

import java.util.Map;

/**
 * One row's prediction. {@code label} is a value of the training data's label column, of its type (text, a
 * boolean, a number): for classification the positive or the negative class, with {@code probability}
 * P(positive); for multiclass the most probable class, with {@code probability} its probability, {@code value} its
 * index and {@code probabilities} every class's probability by class name, in class order. A binary model from a
 * format 1 bundle, which does not know its negative class, answers "not &lt;positive class&gt;" for it. For
 * regression {@code value} holds the prediction. Fields that do not apply are null.
 */
public record Prediction(Object label, Double probability, double value, Map<String, Double> probabilities) {}
