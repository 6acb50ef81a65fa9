package dev.sluice.ml.transform;

import dev.sluice.ml.Json;
import dev.sluice.ml.data.DatasetSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Preprocessing and feature steps fitted on the training split, saved as a JSON artifact and applied unchanged to
 * validation, test and serving rows. {@code input} is the raw schema a caller must provide; {@code output} the
 * numeric feature columns a model sees. {@code fittedOn} names the training dataset the statistics come from.
 */
public record FittedTransform(DatasetSchema input, List<Step> steps, DatasetSchema output, String fittedOn,
                              long fittedRows) {

    public FittedTransform {
        steps = List.copyOf(steps);
    }

    /** The transformed copy of one raw row; only input columns are read, everything else is ignored. */
    public Map<String, Object> apply(Map<String, Object> raw) {
        // Sized for the output so one-hot expansion does not rehash row after row.
        Map<String, Object> row = new java.util.HashMap<>((input.columns().size() + output.columns().size()) * 2);
        for (var c : input.columns()) {
            Object v = raw.get(c.name());
            row.put(c.name(), v instanceof Number n ? (Object) n.doubleValue() : v);
        }
        for (Step s : steps) s.apply(row);
        return row;
    }

    /** This transform followed by {@code more}: used by ml.feature to extend the preprocessing. */
    public FittedTransform andThen(List<Step> more) {
        List<Step> all = new ArrayList<>(steps);
        all.addAll(more);
        DatasetSchema out = output;
        for (Step s : more) out = s.outputSchema(out);
        return new FittedTransform(input, all, out, fittedOn, fittedRows);
    }

    /** Builds a transform and derives its output schema, ending with a {@link Step.Select} of that schema. */
    public static FittedTransform of(DatasetSchema input, List<Step> steps, String fittedOn, long fittedRows) {
        DatasetSchema out = input;
        for (Step s : steps) out = s.outputSchema(out);
        List<Step> all = new ArrayList<>(steps);
        all.add(new Step.Select(out.columns()));
        return new FittedTransform(input, all, out, fittedOn, fittedRows);
    }

    public void save(Path file) throws IOException {
        Json.write(file, this);
    }

    public static FittedTransform load(Path file) throws IOException {
        return Json.read(file, FittedTransform.class);
    }
}
