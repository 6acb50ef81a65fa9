package dev.sluice.ml.serving;

import java.util.List;

/** Predictions for a request, with the exact model version that made them. */
public record PredictionResult(String modelName, int version, List<Prediction> predictions) {}
