package dev.sluice.ml.model;

/** A trained model over a dense row-major float matrix. Implementations are immutable and thread-safe. */
public interface Predictor {

    /**
     * For classification the probability of the positive class, for regression the predicted value: one number
     * per row. For multiclass one probability per class per row, row-major, classes in the label's order.
     */
    double[] predict(float[] rowMajor, int rows, int cols);

    /** The serialised model, as stored in the artifact store. */
    byte[] bytes();
}
