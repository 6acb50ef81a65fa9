package dev.sluice.dag;

import java.util.List;

/** A DAG definition with one or more problems. Carries all of them, so an author can fix a file in one pass. */
public class DagValidationException extends RuntimeException {
    private final List<DagError> errors;

    public DagValidationException(List<DagError> errors) {
        super(describe(errors));
        this.errors = List.copyOf(errors);
    }

    public List<DagError> errors() {
        return errors;
    }

    private static String describe(List<DagError> errors) {
        StringBuilder sb = new StringBuilder();
        sb.append(errors.size())
                .append(errors.size() == 1 ? " error" : " errors")
                .append(" in DAG definition:");
        for (DagError e : errors) sb.append("\n  ").append(e);
        return sb.toString();
    }
}
