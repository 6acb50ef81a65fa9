package dev.sluice.ml.transform;

/** A category the transform never saw in training, where the transform was fitted to refuse them. */
public class UnseenCategoryException extends IllegalArgumentException {
    private final String column;

    public UnseenCategoryException(String column, String value) {
        super("value \"" + value + "\" of " + column + " was not seen in training");
        this.column = column;
    }

    public String column() {
        return column;
    }
}
