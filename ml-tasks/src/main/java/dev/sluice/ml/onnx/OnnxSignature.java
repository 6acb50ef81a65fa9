package dev.sluice.ml.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.model.Problem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a bundle's raw rows reach an ONNX graph and which output holds its answer, read from the graph's declared
 * inputs and outputs and checked against the bundle's input schema, problem and classes.
 *
 * <p>Inputs, either: one per input column (skl2onnx's convention for a Pipeline with a ColumnTransformer: each input
 * named after its column, shape [N, 1] or [N], of type string, float, double, int64, int32 or bool), or a single
 * 2-D float or double input [N, k] taking the input schema's columns in their order (a model fitted on a numeric
 * matrix, e.g. XGBoost or PyTorch). Outputs: for a classifier the probabilities, as a float tensor [N, classes]
 * (skl2onnx with {@code options={'zipmap': False}}, onnxmltools, a PyTorch softmax), a single P(positive) column for
 * a binary model, or skl2onnx's ZipMap (a sequence of class → probability maps); for regression a float tensor [N]
 * or [N, 1].
 */
final class OnnxSignature {
    /** The names skl2onnx gives a classifier's probabilities, without and with ZipMap. */
    private static final List<String> PROBABILITY_NAMES = List.of("probabilities", "output_probability");

    private static final Set<OnnxJavaType> NUMERIC =
            Set.of(OnnxJavaType.FLOAT, OnnxJavaType.DOUBLE, OnnxJavaType.INT64, OnnxJavaType.INT32);

    /** One graph input: per column, or the single matrix of all input columns. */
    record Input(String name, OnnxJavaType type, int rank) {}

    /** The output read: a float/double tensor of {@code width} columns (-1 unknown, 0 for rank 1) or a ZipMap. */
    record Output(String name, boolean zipMap, int width) {}

    private final List<Input> inputs;
    private final boolean matrix;
    private final List<String> matrixColumns;
    private final Output output;

    private OnnxSignature(List<Input> inputs, boolean matrix, List<String> matrixColumns, Output output) {
        this.inputs = inputs;
        this.matrix = matrix;
        this.matrixColumns = matrixColumns;
        this.output = output;
    }

    List<Input> inputs() {
        return inputs;
    }

    /** Whether the graph takes one [N, k] matrix of the schema's columns instead of one input per column. */
    boolean matrix() {
        return matrix;
    }

    List<String> matrixColumns() {
        return matrixColumns;
    }

    Output output() {
        return output;
    }

    /**
     * Reads the graph's signature and checks it against what the bundle promises; every disagreement is listed in
     * one {@link IllegalArgumentException}, naming the columns, inputs and outputs involved.
     */
    static OnnxSignature of(OrtSession session, DatasetSchema schema, Problem problem, List<String> classes)
            throws OrtException {
        List<String> problems = new ArrayList<>();
        Map<String, NodeInfo> in = session.getInputInfo();
        Map<String, NodeInfo> out = session.getOutputInfo();
        List<Input> inputs = new ArrayList<>();
        boolean matrix = false;
        List<String> matrixColumns = List.of();
        boolean perColumn = schema.columns().size() > 0
                && in.keySet().stream().allMatch(n -> schema.column(n).isPresent());
        if (!perColumn
                && in.size() == 1
                && schema.column(in.keySet().iterator().next()).isEmpty()) {
            NodeInfo only = in.values().iterator().next();
            matrix = true;
            matrixColumns = schema.names();
            if (!(only.getInfo() instanceof TensorInfo t)
                    || (t.type != OnnxJavaType.FLOAT && t.type != OnnxJavaType.DOUBLE)
                    || t.getShape().length != 2) {
                problems.add("its single input '" + only.getName() + "' is " + describe(only.getInfo())
                        + ": a graph with one input must take a 2-D float or double matrix of the input_schema's"
                        + " columns; otherwise name one input per input_schema column");
            } else {
                long width = t.getShape()[1];
                if (width > 0 && width != schema.columns().size()) {
                    problems.add("its input '" + only.getName() + "' has " + width + " columns, input_schema "
                            + schema.columns().size() + " " + schema.names());
                }
                for (Column c : schema.columns()) {
                    if (c.type() != ColumnType.NUMBER && c.type() != ColumnType.BOOLEAN)
                        problems.add("input_schema column '" + c.name() + "' is a "
                                + c.type().lower() + ", but the graph's matrix input '" + only.getName()
                                + "' takes numbers only");
                }
                inputs.add(new Input(only.getName(), t.type, 2));
            }
        } else {
            for (NodeInfo n : in.values()) {
                var column = schema.column(n.getName());
                if (column.isEmpty()) {
                    problems.add("the graph has an input '" + n.getName() + "' that input_schema does not name");
                    continue;
                }
                if (!(n.getInfo() instanceof TensorInfo t)) {
                    problems.add("input '" + n.getName() + "' is " + describe(n.getInfo()) + ", not a tensor");
                    continue;
                }
                long[] shape = t.getShape();
                if (shape.length < 1 || shape.length > 2 || (shape.length == 2 && shape[1] > 1)) {
                    problems.add("input '" + n.getName() + "' has shape " + Arrays.toString(shape)
                            + "; an input per column must be [N, 1] or [N]");
                    continue;
                }
                String why = compatible(column.get().type(), t.type);
                if (why != null) problems.add("input '" + n.getName() + "' " + why);
                inputs.add(new Input(n.getName(), t.type, shape.length));
            }
            for (Column c : schema.columns()) {
                if (!in.containsKey(c.name()))
                    problems.add("input_schema names '" + c.name() + "', which is not an input of the graph");
            }
        }
        Output output = chooseOutput(out, problem, classes, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the ONNX model does not match input_schema/problem/classes: "
                    + String.join("; ", problems) + ". The graph's inputs: " + describeAll(in) + "; outputs: "
                    + describeAll(out));
        }
        return new OnnxSignature(List.copyOf(inputs), matrix, matrixColumns, output);
    }

    /** Null when a column of this type can feed a tensor of that type; otherwise why not. */
    private static String compatible(ColumnType column, OnnxJavaType tensor) {
        boolean ok = switch (column) {
            case STRING -> tensor == OnnxJavaType.STRING;
            case NUMBER -> NUMERIC.contains(tensor);
            case BOOLEAN -> tensor == OnnxJavaType.BOOL || NUMERIC.contains(tensor);
            case TIMESTAMP -> false;
        };
        if (ok) return null;
        if (column == ColumnType.TIMESTAMP)
            return "is for a timestamp column: give the graph the time as a number or a string input instead";
        return "is a " + tensor.name().toLowerCase(java.util.Locale.ROOT) + " tensor, but input_schema says "
                + column.lower();
    }

    private static Output chooseOutput(
            Map<String, NodeInfo> out, Problem problem, List<String> classes, List<String> problems) {
        Map<String, Output> candidates = new LinkedHashMap<>();
        for (NodeInfo n : out.values()) {
            ValueInfo info = n.getInfo();
            if (info instanceof TensorInfo t
                    && (t.type == OnnxJavaType.FLOAT || t.type == OnnxJavaType.DOUBLE)
                    && t.getShape().length >= 1
                    && t.getShape().length <= 2) {
                int width = t.getShape().length == 1 ? 0 : (int) t.getShape()[1];
                candidates.put(n.getName(), new Output(n.getName(), false, width));
            } else if (problem != Problem.REGRESSION && info instanceof SequenceInfo s && s.isSequenceOfMaps()) {
                candidates.put(n.getName(), new Output(n.getName(), true, -1));
            }
        }
        Output chosen = null;
        if (problem == Problem.REGRESSION) {
            if (candidates.size() == 1) chosen = candidates.values().iterator().next();
            else chosen = candidates.get("variable"); // skl2onnx's name for a regressor's prediction
            if (chosen == null) {
                problems.add(
                        candidates.isEmpty()
                                ? "a regression model needs a float or double output [N] or [N, 1]"
                                : "the graph has several numeric outputs " + candidates.keySet()
                                        + "; a regression model needs exactly one (or one named 'variable')");
                return null;
            }
            if (chosen.width() > 1)
                problems.add("the output '" + chosen.name() + "' has " + chosen.width()
                        + " columns; a regression model predicts one value per row");
            return chosen;
        }
        for (String name : PROBABILITY_NAMES) if (chosen == null) chosen = candidates.get(name);
        if (chosen == null) {
            List<Output> named = candidates.values().stream()
                    .filter(o -> o.name().toLowerCase(java.util.Locale.ROOT).contains("prob"))
                    .toList();
            if (named.size() == 1) chosen = named.get(0);
            else if (candidates.size() == 1)
                chosen = candidates.values().iterator().next();
        }
        if (chosen == null) {
            problems.add(
                    candidates.isEmpty()
                            ? "a classifier needs a probabilities output (a float tensor [N, classes], or"
                                    + " skl2onnx's ZipMap); convert sklearn models with options={'zipmap': False}"
                            : "cannot tell which of the outputs " + candidates.keySet()
                                    + " holds the class probabilities: name it 'probabilities'");
            return null;
        }
        int k = classes == null ? 0 : classes.size();
        if (!chosen.zipMap() && chosen.width() != -1) {
            boolean single = chosen.width() == 0 || chosen.width() == 1;
            if (single && problem == Problem.MULTICLASS)
                problems.add("the output '" + chosen.name() + "' has one value per row; a multiclass model needs"
                        + " one probability per class " + classes);
            else if (!single && chosen.width() != k)
                problems.add("the output '" + chosen.name() + "' has " + chosen.width()
                        + " probability columns, but classes lists " + k + " " + classes);
        }
        return chosen;
    }

    private static String describeAll(Map<String, NodeInfo> nodes) {
        List<String> out = new ArrayList<>();
        for (NodeInfo n : nodes.values()) out.add(n.getName() + " " + describe(n.getInfo()));
        return out.toString();
    }

    private static String describe(ValueInfo info) {
        if (info instanceof TensorInfo t)
            return t.type.name().toLowerCase(java.util.Locale.ROOT)
                    + Arrays.toString(t.getShape()).replace("-1", "N");
        if (info instanceof SequenceInfo s && s.isSequenceOfMaps()) return "a sequence of maps (ZipMap)";
        return String.valueOf(info);
    }
}
