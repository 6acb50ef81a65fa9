package dev.sluice.ml.model;

import dev.sluice.ml.data.Booleans;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * How a label value becomes the number a model learns: for classification 1 for the positive class and 0 for the
 * negative class; for multiclass the index of the value in {@code classes}; for regression the value itself.
 *
 * <p>Classes are named by the text of the data's values, as a caller writes them: {@code ">50K"}, {@code "true"},
 * {@code "1"} (whole numbers without ".0"). {@code classes} is null except for multiclass, where serving turns class
 * indices back into these names. A binary label names both of its classes, taken from the training split:
 * {@code positiveClass} and {@code negativeClass}. {@code valueType} (boolean, number, string, timestamp) is the
 * label column's type, so that a prediction is given back as a value of that type ({@link #value}).
 *
 * <p>Bundles written before the negative class was recorded have {@code negativeClass} and {@code valueType}
 * null: they encode as they always did and their binary predictions keep the old answer for the negative side,
 * {@code "not <positive class>"} (the training labels are not in the bundle, so anything else would be a guess).
 */
public record Label(
        String column,
        Problem problem,
        String positiveClass,
        List<String> classes,
        String negativeClass,
        String valueType) {

    public Label {
        if (problem == Problem.MULTICLASS && (classes == null || classes.size() < 2)) {
            throw new IllegalArgumentException(
                    "label " + column + " needs at least 2 classes for multiclass, got " + classes);
        }
        classes = classes == null ? null : List.copyOf(classes);
    }

    public Label(String column, Problem problem, String positiveClass, List<String> classes) {
        this(column, problem, positiveClass, classes, null, null);
    }

    /** A binary label whose classes are not known from data: encodes as bundles of the first format did. */
    public static Label binary(String column, String positiveClass) {
        return new Label(column, Problem.CLASSIFICATION, positiveClass, null);
    }

    /**
     * A binary label from the distinct non-null values of its training split ({@code valueType} being the column's
     * type). Without {@code positiveClass} the values must be booleans or 0/1 and true / 1 is positive. The split
     * must hold exactly two values, the positive class and one other, the negative class: a third value could only
     * be counted as "not positive" under a name the data does not have.
     */
    public static Label binary(String column, String positiveClass, String valueType, Collection<?> distinctValues) {
        List<String> names = sortedNames(column, distinctValues);
        String positive;
        String negative;
        if (positiveClass == null) {
            for (Object v : distinctValues) {
                if (v != null
                        && !(v instanceof Boolean)
                        && !(v instanceof Number n && (n.doubleValue() == 0 || n.doubleValue() == 1))) {
                    throw new IllegalArgumentException("label " + column + " has value \"" + className(v)
                            + "\": set positive_class to say which value is the positive class");
                }
            }
            boolean bool =
                    "boolean".equals(valueType) || distinctValues.stream().anyMatch(v -> v instanceof Boolean);
            positive = bool ? "true" : "1";
            negative = bool ? "false" : "0";
        } else {
            positive = names.stream()
                    .filter(n -> sameClass(n, positiveClass, valueType))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(
                            "positive_class \"" + positiveClass + "\" is not a value of label " + column
                                    + " in the training split, whose values are " + names));
            List<String> others =
                    names.stream().filter(n -> !n.equals(positive)).toList();
            if (others.size() > 1) {
                throw new IllegalArgumentException(
                        "label " + column + " has " + names.size() + " values in the training split " + names
                                + ": a binary model has two classes, positive_class \"" + positive
                                + "\" and one other. Group the others in"
                                + " ml.ingest's sql (e.g. CASE WHEN " + column + " = '" + positive + "' THEN '"
                                + positive + "' ELSE 'other' END)"
                                + " or train problem: multiclass");
            }
            negative = others.isEmpty() ? null : others.get(0);
        }
        if (negative == null || !names.contains(positive) || !names.contains(negative)) {
            throw new IllegalArgumentException("label " + column + " has only " + names
                    + " in the training split: a binary model needs" + " rows of both classes"
                    + (positiveClass == null ? " (" + negative + " and " + positive + ")" : ""));
        }
        return new Label(column, Problem.CLASSIFICATION, positive, null, negative, valueType);
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
        return new Label(
                column, Problem.MULTICLASS, null, sortedNames(column, distinctValues), null, typeOf(distinctValues));
    }

    private static List<String> sortedNames(String column, Collection<?> distinctValues) {
        List<Comparable<Object>> values = new ArrayList<>();
        for (Object v : distinctValues) {
            if (v == null) continue;
            if (!(v instanceof Comparable<?>))
                throw new IllegalArgumentException("label " + column + " has a value of unsupported type: " + v);
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
        return classes;
    }

    /** The value type of a label's values as datasets hand them over (Boolean, Double, String...). */
    private static String typeOf(Collection<?> values) {
        boolean bool = true;
        boolean number = true;
        for (Object v : values) {
            if (v == null) continue;
            bool &= v instanceof Boolean;
            number &= v instanceof Number;
        }
        return bool ? "boolean" : number ? "number" : "string";
    }

    /** Whether the class named {@code name} is the configured {@code value} (1.0 is 1; "yes" is true). */
    private static boolean sameClass(String name, String value, String valueType) {
        if ("number".equals(valueType)) {
            try {
                return Double.parseDouble(name) == Double.parseDouble(value.trim());
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if ("boolean".equals(valueType))
            return Booleans.accepts(value) && Boolean.valueOf(name).equals(Booleans.of(value));
        return name.equals(value);
    }

    /** NaN for a missing label: such rows are left out of fitting and scoring. */
    public float encode(Object v) {
        if (v == null) return Float.NaN;
        return switch (problem) {
            case REGRESSION -> {
                if (v instanceof Number n) yield n.floatValue();
                throw new IllegalArgumentException(
                        "label " + column + " must be numeric for regression, got \"" + v + "\"");
            }
            case MULTICLASS -> classIndex(v);
            case CLASSIFICATION -> negativeClass == null ? positiveOrNot(v) : binaryClass(v);
        };
    }

    private float classIndex(Object v) {
        int i = classes.indexOf(className(v));
        if (i >= 0) return i;
        // A value the model never saw cannot be scored fairly: it would count as an error the model had no way to
        // avoid, or vanish from the metrics. Both mislead a gate, so the caller is stopped instead.
        throw new IllegalArgumentException("label " + column + " has value \"" + className(v)
                + "\", which is not one of the "
                + classes.size() + " classes in the training split " + classes
                + ": every class must occur in training (stratify the split on " + column + " or group rare values)");
    }

    private float binaryClass(Object v) {
        String name = className(v);
        if (name.equals(positiveClass)) return 1f;
        if (name.equals(negativeClass)) return 0f;
        // As for multiclass: a third value is neither a hit nor a miss of this model, and counting it as either
        // would mislead the gate.
        throw new IllegalArgumentException(
                "label " + column + " has value \"" + name + "\", which is neither the positive class \""
                        + positiveClass + "\" nor the negative class \"" + negativeClass + "\" of the training split");
    }

    /** How bundles of the first format encode: their negative class is "anything but the positive class". */
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

    /** The name of the positive class of a binary label ("1" for a first-format label without positive_class). */
    public String positiveName() {
        return positiveClass == null ? "1" : positiveClass;
    }

    /**
     * What a binary model predicts, as a value of the label column: the positive or the negative class. A label
     * without a recorded negative class (first bundle format) answers as it always did, {@code "not <positive>"}.
     */
    public Object predicted(boolean positive) {
        if (negativeClass == null) return positive ? positiveName() : "not " + positiveName();
        return value(positive ? positiveClass : negativeClass);
    }

    /**
     * A class name as a value of the label column: a Boolean for a boolean label, a number for a numeric one
     * (a Long when whole), the text otherwise, so predictions round-trip to the data's values.
     */
    public Object value(String className) {
        if (className == null || valueType == null) return className;
        return switch (valueType) {
            case "boolean" -> Boolean.valueOf(className);
            case "number" ->
                className.matches("-?\\d{1,18}")
                        ? (Object) Long.parseLong(className)
                        : (Object) Double.parseDouble(className);
            default -> className;
        };
    }

    /**
     * The text a class is known by. Datasets hand numbers over as doubles, so a whole number is written without
     * ".0": a label column of codes 1, 2, 3 has classes "1", "2", "3", as a caller would write them.
     */
    public static String className(Object v) {
        if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15)
            return Long.toString(d.longValue());
        if (v instanceof Float f && f == Math.rint(f) && !Float.isInfinite(f) && Math.abs(f) < 1e7)
            return Long.toString(f.longValue());
        return v.toString();
    }
}
