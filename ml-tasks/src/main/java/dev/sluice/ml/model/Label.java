package dev.sluice.ml.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * How a label value becomes the number a model learns: for classification 1 for the positive class and 0
 * otherwise; for multiclass the index of the value in {@code classes}; for regression the value itself.
 * {@code classes} is null except for multiclass, where it is stored in the bundle so that serving can turn class
 * indices back into the label values callers know.
 */
public record Label(String column, Problem problem, String positiveClass, List<String> classes) {

    public Label {
        if (problem == Problem.MULTICLASS && (classes == null || classes.size() < 2)) {
            throw new IllegalArgumentException("label " + column + " needs at least 2 classes for multiclass, got " + classes);
        }
        classes = classes == null ? null : List.copyOf(classes);
    }

    public static Label binary(String column, String positiveClass) {
        return new Label(column, Problem.CLASSIFICATION, positiveClass, null);
    }

    public static Label regression(String column) {
        return new Label(column, Problem.REGRESSION, null, null);
    }

    /**
     * The classes of a multiclass label from its distinct non-null values: sorted in the values' natural order
     * (numbers numerically, text by code point), so the class order, hence the model, does not depend on the
     * order rows arrive in.
     */
    public static Label multiclass(String column, Collection<?> distinctValues) {
        List<Comparable<Object>> values = new ArrayList<>();
        for (Object v : distinctValues) {
            if (v == null) continue;
            if (!(v instanceof Comparable<?>)) throw new IllegalArgumentException("label " + column + " has a value of unsupported type: " + v);
            @SuppressWarnings("unchecked")
            Comparable<Object> c = (Comparable<Object>) v;
            values.add(c);
        }
        values.sort(null);
        List<String> classes = new ArrayList<>();
        for (Object v : values) {
            String name = className(v);
            if (!classes.contains(name)) classes.add(name);
        }
        return new Label(column, Problem.MULTICLASS, null, classes);
    }

    /** NaN for a missing label: such rows are left out of fitting and scoring. */
    public float encode(Object v) {
        if (v == null) return Float.NaN;
        return switch (problem) {
            case REGRESSION -> {
                if (v instanceof Number n) yield n.floatValue();
                throw new IllegalArgumentException("label " + column + " must be numeric for regression, got \"" + v + "\"");
            }
            case MULTICLASS -> classIndex(v);
            case CLASSIFICATION -> positiveOrNot(v);
        };
    }

    private float classIndex(Object v) {
        int i = classes.indexOf(className(v));
        if (i >= 0) return i;
        // A value the model never saw cannot be scored fairly: it would count as an error the model had no way to
        // avoid, or vanish from the metrics. Both mislead a gate, so the caller is stopped instead.
        throw new IllegalArgumentException("label " + column + " has value \"" + className(v) + "\", which is not one of the "
                + classes.size() + " classes in the training split " + classes
                + ": every class must occur in training (stratify the split on " + column + " or group rare values)");
    }

    private float positiveOrNot(Object v) {
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

    /**
     * The text a class is known by. Datasets hand numbers over as doubles, so a whole number is written without
     * ".0": a label column of codes 1, 2, 3 has classes "1", "2", "3", as a caller would write them.
     */
    static String className(Object v) {
        if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) return Long.toString(d.longValue());
        if (v instanceof Float f && f == Math.rint(f) && !Float.isInfinite(f) && Math.abs(f) < 1e7) return Long.toString(f.longValue());
        return v.toString();
    }
}
