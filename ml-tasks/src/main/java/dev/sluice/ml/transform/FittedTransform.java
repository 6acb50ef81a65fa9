package dev.sluice.ml.transform;

import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.embedding.EncoderCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Preprocessing and feature steps fitted on the training split, saved as a JSON artifact and applied unchanged to
 * validation, test and serving rows. {@code input} is the raw schema a caller must provide; {@code output} the
 * numeric feature columns a model sees. {@code fittedOn} names the training dataset the statistics come from.
 * {@code dropped} lists the training split's other columns (the label aside) and why none of them is a feature;
 * transforms saved before it existed read as having dropped nothing.
 */
public record FittedTransform(
        DatasetSchema input,
        List<Step> steps,
        DatasetSchema output,
        String fittedOn,
        long fittedRows,
        List<DroppedColumn> dropped) {

    public FittedTransform {
        steps = List.copyOf(steps);
        dropped = dropped == null ? List.of() : List.copyOf(dropped);
    }

    public FittedTransform(
            DatasetSchema input, List<Step> steps, DatasetSchema output, String fittedOn, long fittedRows) {
        this(input, steps, output, fittedOn, fittedRows, List.of());
    }

    /** This transform, recording {@code columns} as deliberately dropped. */
    public FittedTransform withDropped(List<DroppedColumn> columns) {
        return new FittedTransform(input, steps, output, fittedOn, fittedRows, columns);
    }

    /** The names of the dropped columns: a request may carry them, and they are ignored. */
    public java.util.Set<String> droppedNames() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (DroppedColumn d : dropped) out.add(d.column());
        return out;
    }

    /** The transformed copy of one raw row; only input columns are read, everything else is ignored. */
    public Map<String, Object> apply(Map<String, Object> raw) {
        // Sized for the output so one-hot expansion does not rehash row after row.
        Map<String, Object> row = new java.util.HashMap<>(
                (input.columns().size() + output.columns().size()) * 2);
        for (var c : input.columns()) {
            Object v = raw.get(c.name());
            row.put(c.name(), v instanceof Number n ? (Object) n.doubleValue() : v);
        }
        for (Step s : steps) s.apply(row);
        return row;
    }

    /**
     * The transformed copies of a batch of raw rows: what {@link #apply} gives row by row, with each step run over
     * the whole batch (an embedding step encodes all its texts in one call).
     */
    public List<Map<String, Object>> applyAll(List<Map<String, Object>> raw) {
        List<Map<String, Object>> rows = new ArrayList<>(raw.size());
        for (Map<String, Object> r : raw) {
            Map<String, Object> row = new java.util.HashMap<>(
                    (input.columns().size() + output.columns().size()) * 2);
            for (var c : input.columns()) {
                Object v = r.get(c.name());
                row.put(c.name(), v instanceof Number n ? (Object) n.doubleValue() : v);
            }
            rows.add(row);
        }
        for (Step s : steps) s.applyAll(rows);
        return rows;
    }

    /** Whether a step needs a model loaded before the transform can be applied. */
    public boolean hasEmbeddings() {
        return steps.stream().anyMatch(s -> s instanceof Step.Embedding);
    }

    /**
     * This transform with every embedding step bound to its encoder, loaded from {@code store} once per JVM
     * ({@link EncoderCache}); the transform itself when it has none.
     */
    public FittedTransform withEncoders(ArtifactStore store) throws IOException {
        if (!hasEmbeddings()) return this;
        List<Step> bound = new ArrayList<>(steps.size());
        for (Step s : steps) {
            if (s instanceof Step.Embedding e) {
                try {
                    s = e.bind(EncoderCache.get(store, e.config(), e.weights(), e.vocab()));
                } catch (IOException x) {
                    throw new IOException(
                            "cannot load the embedding model of column " + e.column() + ": " + x.getMessage(), x);
                }
            }
            bound.add(s);
        }
        return new FittedTransform(input, bound, output, fittedOn, fittedRows, dropped);
    }

    /** This transform followed by {@code more}: used by ml.feature to extend the preprocessing. */
    public FittedTransform andThen(List<Step> more) {
        List<Step> all = new ArrayList<>(steps);
        all.addAll(more);
        DatasetSchema out = output;
        for (Step s : more) out = s.outputSchema(out);
        return new FittedTransform(input, all, out, fittedOn, fittedRows, dropped);
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
