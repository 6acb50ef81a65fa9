package dev.sluice.ml.serving;

/** A prediction row that does not match the model's input schema. Names the row and the field; maps to HTTP 400. */
public class InvalidInputException extends RuntimeException {
    private final int row;
    private final String field;

    public InvalidInputException(int row, String field, String message) {
        super("row " + row + ", field " + field + ": " + message);
        this.row = row;
        this.field = field;
    }

    public int row() {
        return row;
    }

    public String field() {
        return field;
    }
}
