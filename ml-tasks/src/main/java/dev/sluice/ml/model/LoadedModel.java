package dev.sluice.ml.model;

import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.onnx.OnnxPredictor;
import dev.sluice.ml.transform.FittedTransform;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A bundle with its transform and predictor loaded: the single scoring path used by evaluation and serving, so a
 * model is judged on exactly what it will later compute for callers.
 *
 * <p>An ONNX bundle has no transform (null): its graph takes the raw rows and holds its own preprocessing, and its
 * predictor is an {@link OnnxPredictor}, which holds a native session: {@link #close} it when done.
 */
public record LoadedModel(String bundleRef, ModelBundle bundle, FittedTransform transform, Predictor predictor)
        implements AutoCloseable {

    public static LoadedModel load(ArtifactStore store, String bundleRef) throws IOException {
        ModelBundle b = Json.read(store.localPath(bundleRef), ModelBundle.class);
        if (!ModelBundle.READABLE.contains(b.format()))
            throw new IOException("unsupported bundle format " + b.format() + " in " + bundleRef);
        byte[] bytes = Files.readAllBytes(store.localPath(b.modelRef()));
        if (b.isOnnx()) {
            try {
                return new LoadedModel(bundleRef, b, null, OnnxPredictor.load(bytes, b));
            } catch (IllegalArgumentException e) {
                throw new IOException("cannot load the ONNX model of " + bundleRef + ": " + e.getMessage(), e);
            }
        }
        // Embedding steps get their encoder here (from the store, once per JVM): serving needs nothing else.
        FittedTransform t =
                FittedTransform.load(store.localPath(b.transformRef())).withEncoders(store);
        Predictor p = switch (b.algorithm()) {
            case ModelBundle.XGBOOST, ModelBundle.RANDOM_FOREST -> XgbPredictor.load(bytes);
            case ModelBundle.LOGISTIC_REGRESSION -> LogisticRegression.load(bytes);
            case ModelBundle.LINEAR_REGRESSION -> LinearRegression.load(bytes);
            default -> throw new IOException("unknown algorithm " + b.algorithm() + " in " + bundleRef);
        };
        return new LoadedModel(bundleRef, b, t, p);
    }

    /**
     * Applies the stored transform to raw rows and scores them: one number per row, or for multiclass one
     * probability per class per row (see {@link #classProbabilities}). An ONNX model takes the raw rows as they are.
     */
    public double[] score(List<Map<String, Object>> rawRows) {
        if (predictor instanceof OnnxPredictor onnx) return onnx.score(rawRows);
        return scoreTransformed(transform.applyAll(rawRows));
    }

    /** A multiclass model's scores (of {@link #score}) with the classes they belong to. */
    public ClassProbabilities classProbabilities(double[] scores) {
        if (bundle.problem() != Problem.MULTICLASS)
            throw new IllegalStateException(
                    bundleRef + " is a " + bundle.problem().lower() + " model, not multiclass");
        return new ClassProbabilities(bundle.label().classes(), scores);
    }

    /** Scores rows already in feature space (e.g. read back from a transformed dataset). */
    public double[] scoreTransformed(List<Map<String, Object>> featureRows) {
        FeatureMatrix m = FeatureMatrix.of(featureRows, bundle.features(), new float[0]);
        return predictor.predict(m.data(), m.rows(), m.cols());
    }

    /** The input columns the model deliberately does not use (serving accepts and ignores them); none for ONNX. */
    public Set<String> droppedNames() {
        return transform == null ? Set.of() : transform.droppedNames();
    }

    /** Frees what the predictor holds outside the heap (an ONNX session); a no-op for the built-in models. */
    @Override
    public void close() {
        if (predictor instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot close the model of " + bundleRef, e);
            }
        }
    }
}
