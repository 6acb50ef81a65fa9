package dev.sluice.ml.onnx;

/**
 * A row value the ONNX graph cannot take (a missing or fractional value for an int64 input, text for a numeric one):
 * names the row and the input column, so serving answers 400 for it as for any other bad field.
 */
public final class OnnxInputException extends IllegalArgumentException {
    private final int row;
    private final String column;
    private final String reason;

    public OnnxInputException(int row, String column, String reason) {
        super("row " + row + ", field " + column + ": " + reason);
        this.row = row;
        this.column = column;
        this.reason = reason;
    }

    /** What is wrong with the value, without the row and field. */
    public String reason() {
        return reason;
    }

    public int row() {
        return row;
    }

    public String column() {
        return column;
    }
}
