package dev.sluice.ml.onnx;

/**
 * A model used after it was closed (evicted from a cache while a request still held it): the caller loads it again.
 */
public final class ClosedModelException extends IllegalStateException {
    public ClosedModelException(String message) {
        super(message);
    }
}
