package dev.sluice.ml.registry;

/** No such model, version or alias. The server maps it to 404. */
public class ModelNotFoundException extends RuntimeException {
    public ModelNotFoundException(String message) {
        super(message);
    }
}
