package dev.sluice.ml.onnx;

import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.ModelBundle;
import dev.sluice.ml.model.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the model bundle of an ONNX model that a python task saved ({@code sluice.save_model}): the same kind of
 * artifact ml.train outputs as {@code bundle}, so ml.evaluate, ml.deploy, the registry and serving take it as they
 * take a built-in model. The graph is loaded and checked against what the task declared before the bundle exists.
 */
public final class OnnxBundles {
    private OnnxBundles() {}

    /**
     * The bundle for {@code model} (save_model's metadata: input_schema, problem, classes, positive_class, label,
     * framework), whose graph is {@code onnx}, stored as {@code modelRef}. An {@link IllegalArgumentException} says
     * what is wrong: a metadata field, or where the graph disagrees with it.
     */
    public static ModelBundle of(
            Map<String, Object> model,
            String modelRef,
            byte[] onnx,
            Map<String, Object> params,
            String trainedOn,
            long trainedRows) {
        Problem problem = problem(model.get("problem"));
        if (!(model.get("input_schema") instanceof Map<?, ?> schemaMap) || schemaMap.isEmpty())
            throw new IllegalArgumentException("input_schema is required: input column -> type");
        Map<String, Object> columns = new LinkedHashMap<>();
        schemaMap.forEach((k, v) -> columns.put(String.valueOf(k), v));
        DatasetSchema schema;
        try {
            schema = DatasetSchema.fromMap(columns);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("input_schema: " + e.getMessage());
        }
        String column = model.get("label") instanceof String s && !s.isBlank() ? s : null;
        if (column != null && schema.column(column).isPresent())
            throw new IllegalArgumentException(
                    "label '" + column + "' is also in input_schema: a model may not take its own answer as input");
        Label label;
        List<String> outputClasses = null;
        if (problem == Problem.REGRESSION) {
            label = Label.regression(column);
        } else {
            if (!(model.get("classes") instanceof List<?> classes) || classes.size() < 2)
                throw new IllegalArgumentException(
                        "a classifier needs classes: the data's labels in the order of the model's probability"
                                + " columns (sklearn: list(model.classes_))");
            outputClasses = new ArrayList<>();
            for (Object c : classes) {
                if (c == null) throw new IllegalArgumentException("classes holds null: " + classes);
                String name = Label.className(c);
                if (outputClasses.contains(name))
                    throw new IllegalArgumentException("classes names \"" + name + "\" twice: " + classes);
                outputClasses.add(name);
            }
            String valueType = valueType(classes);
            if (problem == Problem.CLASSIFICATION) {
                if (outputClasses.size() != 2)
                    throw new IllegalArgumentException(
                            "a binary model has 2 classes, got " + outputClasses + "; use problem='multiclass'");
                Object p = model.get("positive_class");
                String positive = p == null ? outputClasses.get(1) : Label.className(p);
                if (!outputClasses.contains(positive))
                    throw new IllegalArgumentException(
                            "positive_class \"" + positive + "\" is not one of classes " + outputClasses);
                String negative = outputClasses.get(positive.equals(outputClasses.get(0)) ? 1 : 0);
                label = new Label(column, Problem.CLASSIFICATION, positive, null, negative, valueType);
            } else {
                label = new Label(column, Problem.MULTICLASS, null, outputClasses, null, valueType);
            }
        }
        String framework = model.get("framework") instanceof String f && !f.isBlank() ? f : null;
        ModelBundle bundle = new ModelBundle(
                ModelBundle.ONNX_FORMAT,
                ModelBundle.ONNX,
                problem,
                label,
                schema.names(),
                modelRef,
                null,
                schema,
                params == null ? Map.of() : params,
                0,
                trainedOn,
                trainedRows,
                framework,
                outputClasses);
        OnnxPredictor.load(onnx, bundle).close(); // refuses a graph that disagrees with the bundle, naming why
        return bundle;
    }

    private static Problem problem(Object p) {
        return switch (String.valueOf(p)) {
            case "binary", "classification" -> Problem.CLASSIFICATION;
            case "multiclass" -> Problem.MULTICLASS;
            case "regression" -> Problem.REGRESSION;
            default ->
                throw new IllegalArgumentException(
                        "problem must be binary, multiclass or regression, got \"" + p + "\"");
        };
    }

    /** The label column's type as the classes show it, so predictions come back as values of that type. */
    private static String valueType(List<?> classes) {
        if (classes.stream().allMatch(c -> c instanceof Boolean)) return "boolean";
        if (classes.stream().allMatch(c -> c instanceof Number)) return "number";
        return "string";
    }
}
