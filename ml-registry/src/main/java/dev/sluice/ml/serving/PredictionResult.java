package dev.sluice.ml.serving;

import dev.sluice.ml.model.Problem;
import java.util.List;

/** Predictions for a request, with the exact model version that made them and what kind of model it is. */
public record PredictionResult(String modelName, int version, Problem problem, List<Prediction> predictions) {}
