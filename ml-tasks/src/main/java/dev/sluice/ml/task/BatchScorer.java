package dev.sluice.ml.task;

import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.data.Booleans;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DatasetWriter;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.ml.model.ClassProbabilities;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.transform.UnseenCategoryException;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Scores a dataset with a loaded model in batches and writes the predictions to Parquet. Each batch of raw rows
 * goes through {@link LoadedModel#score}, the method the predict API calls for a request's rows, and its scores
 * become predictions by the API's rules (binary: the positive class from 0.5, multiclass: the most probable class,
 * first in class order on a tie), so a row's prediction and probabilities here are bit for bit the API's answer.
 *
 * <p>Only the model's input columns pass through Java, one batch at a time; the predictions are appended to a
 * DuckDB table (which spills), and the kept columns are joined back by position in DuckDB, so they keep their
 * own types (a BIGINT id stays a BIGINT) and memory does not grow with the dataset.
 *
 * <p>Rows are checked against the model's input schema by the API's rules: a missing input column or a column of
 * a type the API would refuse for that input fails before any row is read; a value the API would refuse (NaN or an
 * infinite number, a text that is not a boolean, an unseen category where the transform refuses them) fails the
 * task naming the row (0-based position in the dataset) and the column. Rows are never skipped: a nightly score
 * that silently drops customers is worse than one that stops.
 */
final class BatchScorer {
    /**
     * Rows per call to the model. Measured on 1M rows with XGBoost (BENCHMARKS.md, section 5): 1,024 took the least
     * wall and CPU time; 256 pays the model's per-call cost (an XGBoost DMatrix per call) about 30 % more CPU, and
     * 4,096 and 16,384 cost slightly more CPU and clearly more wall time on a busy machine (XGBoost's threads wait
     * for cores on bigger batches). A batch of raw and transformed maps stays within a few megabytes.
     */
    static final int BATCH_ROWS = 1024;

    private final LoadedModel model;
    private final int batchRows;

    BatchScorer(LoadedModel model, int batchRows) {
        if (batchRows < 1) throw new IllegalArgumentException("batch rows must be 1 or more");
        this.model = model;
        this.batchRows = batchRows;
    }

    /** The predictions file (a temp file of {@code store}) and how long scoring and writing took. */
    record Result(Path parquet, long rows, double seconds) {}

    Result score(TaskContext ctx, ArtifactStore store, DuckDb db, String relation, List<String> keepColumns)
            throws Exception {
        long t0 = System.nanoTime();
        Map<String, String> types = describe(db, relation);
        for (String k : keepColumns) {
            if (!types.containsKey(k))
                throw new TaskFailedException(
                        "keep_columns: the dataset has no column \"" + k + "\"; its columns are " + types.keySet());
        }
        DatasetSchema inputs = model.bundle().inputSchema();
        Map<String, ColumnType> datasetTypes = checkColumns(inputs, types);
        OutputColumns out = OutputColumns.of(model, keepColumns);

        Path predictions = store.newTempFile(".parquet");
        long rows;
        try (DatasetWriter writer = new DatasetWriter(db, out.schema())) {
            Batch batch = new Batch(writer, ctx);
            StringJoiner select = new StringJoiner(", ", "(SELECT ", " FROM " + relation + ")");
            for (Column c : inputs.columns()) select.add(DuckDb.ident(c.name()));
            rows = Rows.forEach(db, select.toString(), row -> {
                checkValues(row, batch.next(), inputs, datasetTypes);
                batch.add(row);
            });
            batch.flush();
            writer.finish(predictions);
        }
        Path result = store.newTempFile(".parquet");
        StringJoiner kept = new StringJoiner(", ");
        for (String k : keepColumns) kept.add(DuckDb.ident(k));
        String predicted = "(SELECT " + out.projection() + " FROM " + DuckDb.parquet(predictions) + ")";
        // POSITIONAL JOIN pairs the n-th prediction with the n-th row: both sides read in file order (DuckDB
        // preserves insertion order), as ml.split relies on too.
        String query = keepColumns.isEmpty()
                ? "SELECT * FROM " + predicted
                : "SELECT k.*, p.* FROM (SELECT " + kept + " FROM " + relation + ") k POSITIONAL JOIN " + predicted
                        + " p";
        db.exec("COPY (" + query + ") TO "
                + DuckDb.literal(result.toAbsolutePath().toString()) + " (FORMAT parquet, COMPRESSION zstd)");
        java.nio.file.Files.deleteIfExists(predictions);
        return new Result(result, rows, (System.nanoTime() - t0) / 1e9);
    }

    /** Rows waiting for the model; scored and written when full. */
    private final class Batch {
        private final List<Map<String, Object>> rows = new ArrayList<>(batchRows);
        private final DatasetWriter writer;
        private final TaskContext ctx;
        /** Dataset position of the batch's first row. */
        private long first;

        Batch(DatasetWriter writer, TaskContext ctx) {
            this.writer = writer;
            this.ctx = ctx;
        }

        /** The dataset position the next row has. */
        long next() {
            return first + rows.size();
        }

        void add(Map<String, Object> row) throws Exception {
            rows.add(row);
            if (rows.size() == batchRows) flush();
        }

        void flush() throws Exception {
            if (rows.isEmpty()) return;
            if (ctx.isCancelled()) throw new TaskFailedException("cancelled after scoring " + first + " rows");
            double[] scores = scores(rows, first);
            Problem problem = model.bundle().problem();
            Label label = model.bundle().label();
            ClassProbabilities classes = problem == Problem.MULTICLASS ? model.classProbabilities(scores) : null;
            for (int i = 0; i < rows.size(); i++) {
                Map<String, Object> p = new HashMap<>(8);
                switch (problem) {
                    // PredictionService's rules: P(positive) >= 0.5 is the positive class.
                    case CLASSIFICATION -> {
                        p.put(PredictTask.PREDICTION, label.predicted(scores[i] >= 0.5));
                        p.put(PredictTask.PROBABILITY, scores[i]);
                    }
                    case MULTICLASS -> {
                        int c = classes.predicted(i);
                        p.put(
                                PredictTask.PREDICTION,
                                label.value(classes.classes().get(c)));
                        for (int k = 0; k < classes.classes().size(); k++)
                            p.put(OutputColumns.probabilityOf(classes.classes().get(k)), classes.get(i, k));
                    }
                    case REGRESSION -> p.put(PredictTask.PREDICTION, scores[i]);
                }
                writer.append(p);
            }
            first += rows.size();
            rows.clear();
        }
    }

    /** The model's scores for a batch; a row the transform refuses fails the task naming it. */
    private double[] scores(List<Map<String, Object>> rows, long first) throws TaskFailedException {
        try {
            return model.score(rows);
        } catch (RuntimeException e) {
            // Error path only: find the row, as PredictionService does for a request.
            for (int i = 0; i < rows.size(); i++) {
                try {
                    model.transform().apply(rows.get(i));
                } catch (UnseenCategoryException u) {
                    throw new TaskFailedException(
                            "row " + (first + i) + ", column " + u.column() + ": " + u.getMessage());
                } catch (RuntimeException r) {
                    throw new TaskFailedException("row " + (first + i) + ": " + r.getMessage());
                }
            }
            throw new TaskFailedException(
                    "scoring rows " + first + " to " + (first + rows.size() - 1) + " failed: " + e.getMessage());
        }
    }

    /**
     * Every input column present, with a type whose values the predict API accepts for it (a boolean input also
     * takes text and numbers, checked value by value; a timestamp input also takes text). Returns the dataset's
     * type of each input column.
     */
    private static Map<String, ColumnType> checkColumns(DatasetSchema inputs, Map<String, String> types)
            throws TaskFailedException {
        Map<String, ColumnType> out = new HashMap<>();
        for (Column c : inputs.columns()) {
            String duck = types.get(c.name());
            if (duck == null)
                throw new TaskFailedException("the dataset has no column \"" + c.name()
                        + "\", an input of the model (its inputs: " + inputs.names() + "; the dataset's columns: "
                        + types.keySet() + ")");
            ColumnType t = ColumnType.supports(duck) ? ColumnType.fromDuckDb(duck) : null;
            boolean ok = t != null
                    && switch (c.type()) {
                        case NUMBER -> t == ColumnType.NUMBER;
                        case STRING -> t == ColumnType.STRING;
                        case BOOLEAN -> t != ColumnType.TIMESTAMP;
                        case TIMESTAMP -> t == ColumnType.TIMESTAMP || t == ColumnType.STRING;
                    };
            if (!ok)
                throw new TaskFailedException("column " + c.name() + " is " + duck + " in the dataset but the model"
                        + " takes a " + c.type().lower() + " there; cast it (e.g. in ml.ingest's sql)");
            out.put(c.name(), t);
        }
        return out;
    }

    /** The value checks of the predict API that the column types leave open. */
    private static void checkValues(
            Map<String, Object> row, long position, DatasetSchema inputs, Map<String, ColumnType> datasetTypes)
            throws TaskFailedException {
        for (Column c : inputs.columns()) {
            Object v = row.get(c.name());
            if (v == null) continue;
            if (c.type() == ColumnType.NUMBER && v instanceof Double d && !Double.isFinite(d))
                throw new TaskFailedException("row " + position + ", column " + c.name() + ": " + d
                        + " is not a value the model takes; a missing value must be NULL (e.g. nullif or CASE WHEN"
                        + " isnan(...) in ml.ingest's sql)");
            if (c.type() == ColumnType.BOOLEAN
                    && datasetTypes.get(c.name()) != ColumnType.BOOLEAN
                    && !Booleans.accepts(v))
                throw new TaskFailedException("row " + position + ", column " + c.name() + ": expected a boolean, "
                        + Booleans.ACCEPTED + ", got " + (v instanceof String ? "\"" + v + "\"" : v));
        }
    }

    /** Column name → DuckDB type of a relation, in order. */
    private static Map<String, String> describe(DuckDb db, String relation) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("DESCRIBE SELECT * FROM " + relation)) {
            while (r.next()) out.put(r.getString("column_name"), r.getString("column_type"));
        }
        return out;
    }

    /**
     * The prediction columns: {@code prediction} as a value of the label's type (text, boolean, a whole number as
     * BIGINT, else DOUBLE), then {@code probability} (binary: of the positive class) or one
     * {@code probability_<class>} per class in class order (multiclass); regression has only {@code prediction}.
     */
    record OutputColumns(DatasetSchema schema, String projection) {
        static OutputColumns of(LoadedModel model, List<String> keepColumns) throws TaskFailedException {
            Label label = model.bundle().label();
            List<Column> cols = new ArrayList<>();
            String cast = null;
            switch (model.bundle().problem()) {
                case CLASSIFICATION -> {
                    List<String> names = new ArrayList<>();
                    names.add(label.positiveName());
                    if (label.negativeClass() != null) names.add(label.negativeClass());
                    cast = labelType(label, names, cols);
                    cols.add(new Column(PredictTask.PROBABILITY, ColumnType.NUMBER));
                }
                case MULTICLASS -> {
                    cast = labelType(label, label.classes(), cols);
                    for (String c : label.classes()) cols.add(new Column(probabilityOf(c), ColumnType.NUMBER));
                }
                case REGRESSION -> cols.add(new Column(PredictTask.PREDICTION, ColumnType.NUMBER));
            }
            Set<String> seen = new HashSet<>();
            for (String k : keepColumns) seen.add(k.toLowerCase(Locale.ROOT));
            for (Column c : cols) {
                // DuckDB (and so Parquet readers going through it) do not tell "Yes" from "yes" in column names.
                if (!seen.add(c.name().toLowerCase(Locale.ROOT)))
                    throw new TaskFailedException("output column " + c.name() + " clashes with another of the same"
                            + " name in other case (classes " + label.classes() + ", keep_columns " + keepColumns
                            + ")");
            }
            String projection = cast == null
                    ? "*"
                    : "* REPLACE (CAST(" + PredictTask.PREDICTION + " AS " + cast + ") AS " + PredictTask.PREDICTION
                            + ")";
            return new OutputColumns(new DatasetSchema(cols), projection);
        }

        static String probabilityOf(String className) {
            return PredictTask.PROBABILITY + "_" + className;
        }

        /**
         * Adds the prediction column in the label's type; returns the DuckDB type to cast it to in the output
         * (numeric classes that are all whole numbers: BIGINT, as the API answers them), or null.
         */
        private static String labelType(Label label, List<String> classNames, List<Column> cols) {
            String type = label.valueType() == null ? "string" : label.valueType();
            switch (type) {
                case "boolean" -> cols.add(new Column(PredictTask.PREDICTION, ColumnType.BOOLEAN));
                case "number" -> {
                    cols.add(new Column(PredictTask.PREDICTION, ColumnType.NUMBER));
                    // Label.value answers a whole class name with a Long.
                    if (classNames.stream().allMatch(n -> n.matches("-?\\d{1,18}"))) return "BIGINT";
                }
                default -> cols.add(new Column(PredictTask.PREDICTION, ColumnType.STRING));
            }
            return null;
        }
    }
}
