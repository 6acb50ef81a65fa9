package dev.sluice.ml.model;

/**
 * How a label value becomes the number a model learns: for classification 1 for the positive class and 0
 * otherwise; for regression the value itself.
 */
public record Label(String column, Problem problem, String positiveClass) {

    /** NaN for a missing label: such rows are left out of fitting and scoring. */
    public float encode(Object v) {
        if (v == null) return Float.NaN;
        if (problem == Problem.REGRESSION) {
            if (v instanceof Number n) return n.floatValue();
            throw new IllegalArgumentException("label " + column + " must be numeric for regression, got \"" + v + "\"");
        }
        if (positiveClass != null) {
            if (v instanceof Number n) return n.doubleValue() == Double.parseDouble(positiveClass) ? 1f : 0f;
            return v.toString().equals(positiveClass) ? 1f : 0f;
        }
        if (v instanceof Boolean b) return b ? 1f : 0f;
        if (v instanceof Number n) {
            if (n.doubleValue() == 0 || n.doubleValue() == 1) return n.floatValue();
        }
        throw new IllegalArgumentException("label " + column + " has value \"" + v
                + "\": set positive_class to say which value is the positive class");
    }
}
