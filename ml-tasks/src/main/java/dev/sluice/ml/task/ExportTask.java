package dev.sluice.ml.task;

import static dev.sluice.ml.data.DuckDb.ident;
import static dev.sluice.ml.data.DuckDb.literal;

import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ml.export: a dataset as N shuffled, size-balanced Parquet shards plus a manifest, for training loops outside the
 * JVM (the SDK's {@code sluice.torch_dataset} and {@code sluice.tf_generator}). Rows are ranked by a seeded hash of
 * their position (as ml.split does) and dealt round-robin in that order, so shard sizes differ by at most one row and
 * each shard holds its rows in shuffled order; the same data and seed give the same shards, byte for byte.
 *
 * <p>Shards are ordinary dataset artifacts (content-addressed, in whatever store the node uses); the manifest is a
 * JSON file artifact that names them by ref and by their path under the store's {@code artifacts/} root, so a reader
 * that holds the manifest's location finds the shards beside it, locally or on S3.
 */
public final class ExportTask extends MlTask {
    /** Version of the manifest's layout; readers refuse a newer one. */
    static final int FORMAT_VERSION = 1;

    static final String MANIFEST_MEDIA_TYPE = "application/vnd.sluice.export-manifest+json";
    private static final List<String> INPUTS = List.of("train", "validation", "test", "dataset");

    private static final List<ConfigField> FIELDS = with(List.of(
            ConfigField.optional(
                    "dataset",
                    FieldType.STRING,
                    null,
                    "Dataset to export; default: the upstream output named by input."),
            ConfigField.optional(
                    "input",
                    FieldType.STRING,
                    null,
                    "Which upstream output to export when dataset is not set: train | validation | test | dataset;"
                            + " default: train if an upstream task outputs it (ml.preprocess, ml.split), else dataset."),
            ConfigField.optional(
                    "features",
                    FieldType.LIST,
                    null,
                    "Feature columns, in this order (numbers or booleans); default: the upstream output features"
                            + " (ml.preprocess, ml.feature), else every column but the label."),
            ConfigField.optional(
                    "label",
                    FieldType.STRING,
                    null,
                    "Label column; rows without a label are left out. Text and boolean labels get class indices."),
            ConfigField.optional("shards", FieldType.INTEGER, 8, "Number of Parquet shards, at least 1."),
            ConfigField.optional("seed", FieldType.INTEGER, 42, "Seed of the shuffle; same seed, same shards.")));

    @Override
    public String name() {
        return "ml.export";
    }

    @Override
    public String description() {
        return "Write a dataset as shuffled, size-balanced Parquet shards plus a manifest, for PyTorch or TensorFlow.";
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>();
        Object shards = config.get("shards");
        if (shards != null && !Cfg.isTemplate(shards)) {
            Number n = Cfg.number(shards);
            if (n == null || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1) {
                errors.add("shards must be a whole number >= 1, got " + describe(shards));
            } else if (n.doubleValue() > 100_000) {
                errors.add("shards must be at most 100000, got " + describe(shards));
            }
        }
        Object seed = config.get("seed");
        if (seed != null && !Cfg.isTemplate(seed)) {
            Number n = Cfg.number(seed);
            if (n == null || n.doubleValue() != Math.rint(n.doubleValue()) || Math.abs(n.doubleValue()) > 9e15)
                errors.add("seed must be a whole number, got " + describe(seed));
        }
        Object input = config.get("input");
        if (input != null && !Cfg.isTemplate(input) && !INPUTS.contains(input.toString()))
            errors.add("input must be one of " + String.join(", ", INPUTS) + ", got " + describe(input));
        if (input != null && config.get("dataset") != null) errors.add("input: set either dataset or input, not both");
        Object label = config.get("label");
        if (label != null && !(label instanceof String))
            errors.add("label must be a column name, got " + describe(label));
        Object features = config.get("features");
        if (features != null) {
            if (!(features instanceof List<?> list)) {
                errors.add("features must be a list of column names, got " + describe(features));
            } else {
                if (list.isEmpty()) errors.add("features must name at least one column (or be left out)");
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < list.size(); i++) {
                    Object f = list.get(i);
                    if (!(f instanceof String s) || s.isBlank()) {
                        errors.add("features[" + i + "] must be a column name, got " + describe(f));
                    } else if (!seen.add(s)) {
                        errors.add("features[" + i + "]: column \"" + s + "\" is listed twice");
                    } else if (s.equals(label)) {
                        errors.add("features[" + i + "]: \"" + s + "\" is the label; a model may not take its answer"
                                + " as input");
                    }
                }
            }
        }
        return errors;
    }

    private static String describe(Object v) {
        if (v instanceof String s) return "\"" + s + "\"";
        if (v instanceof List) return "a list";
        if (v instanceof Map) return "a mapping";
        return String.valueOf(v);
    }

    @Override
    List<String> inputKeys() {
        return List.of("dataset", "train", "validation", "test");
    }

    @Override
    TaskResult run(TaskContext ctx) throws Exception {
        List<String> errors = validate(ctx.config());
        if (!errors.isEmpty()) throw new TaskFailedException("invalid ml.export config: " + String.join("; ", errors));
        Cfg cfg = cfg(ctx);
        int shards = cfg.integer("shards");
        long seed = cfg.lng("seed");
        String label = cfg.str("label", null);
        String ref = input(ctx, cfg);
        Path source = store(ctx).localPath(ref);
        try (DuckDb db = duck(ctx, cfg)) {
            String src = "read_parquet(" + literal(source.toString()) + ", file_row_number = true)";
            DatasetSchema schema = db.schemaOf("SELECT * FROM " + DuckDb.parquet(source));
            List<String> features = features(ctx, cfg, schema, label);
            Column labelColumn = null;
            if (label != null) {
                labelColumn = schema.column(label)
                        .orElseThrow(() -> new TaskFailedException("label: no column \"" + label
                                + "\" in the dataset (columns: " + String.join(", ", schema.names()) + ")"));
            }
            List<String> selected = new ArrayList<>(features);
            if (label != null) selected.add(label);
            StringBuilder cols = new StringBuilder();
            for (String c : selected) cols.append(ident(c)).append(", ");
            String where = label == null ? "" : " WHERE " + ident(label) + " IS NOT NULL";
            // One pass ranks the rows by a seeded hash of their position (independent of content and of DuckDB's
            // scan order) and deals them round-robin: shard sizes differ by at most one row. The table is sorted by
            // shard then rank, so each shard's COPY below reads one contiguous run of it.
            db.exec("CREATE TABLE export_rows AS SELECT " + cols + "(__rank % " + shards + ") AS __shard, __rank FROM ("
                    + "SELECT *, row_number() OVER (ORDER BY hash(file_row_number, " + seed + "), file_row_number) - 1"
                    + " AS __rank FROM " + src + where + ") ORDER BY __shard, __rank");
            long rows = db.count("export_rows");
            long total = db.count(DuckDb.parquet(source));
            if (rows < shards) {
                throw new TaskFailedException("shards: " + shards + " shards need at least " + shards + " rows, the"
                        + " dataset has " + rows + (label == null ? "" : " with a label") + "; lower shards");
            }
            List<Object> classes = labelColumn == null ? null : classes(db, labelColumn);
            List<Map<String, Object>> shardList = new ArrayList<>();
            List<String> refs = new ArrayList<>();
            long bytes = 0;
            String projection =
                    String.join(", ", selected.stream().map(DuckDb::ident).toList());
            for (int k = 0; k < shards; k++) {
                Path tmp = store(ctx).newTempFile(".parquet");
                db.exec("COPY (SELECT " + projection + " FROM export_rows WHERE __shard = " + k
                        + " ORDER BY __rank) TO " + literal(tmp.toString()) + " (FORMAT parquet, COMPRESSION zstd)");
                Datasets.Stored st = Datasets.storeFile(ctx, this, db, tmp, "shard_" + k);
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("ref", st.artifact().ref());
                s.put("path", storePath(st.artifact().hash()));
                s.put("rows", st.rows());
                s.put("bytes", st.artifact().bytes());
                shardList.add(s);
                refs.add(st.artifact().ref());
                bytes += st.artifact().bytes();
            }
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("format", "sluice.export");
            manifest.put("format_version", FORMAT_VERSION);
            manifest.put("source", ref);
            manifest.put("rows", rows);
            manifest.put("rows_without_label", total - rows);
            manifest.put("seed", seed);
            manifest.put("features", features);
            Map<String, Object> labelInfo = null;
            if (labelColumn != null) {
                labelInfo = new LinkedHashMap<>();
                labelInfo.put("name", label);
                labelInfo.put("type", labelColumn.type().name().toLowerCase(java.util.Locale.ROOT));
                labelInfo.put("classes", classes);
            }
            manifest.put("label", labelInfo);
            List<Map<String, Object>> schemaList = new ArrayList<>();
            for (String c : selected) {
                Map<String, Object> col = new LinkedHashMap<>();
                col.put("name", c);
                col.put("type", schema.column(c).orElseThrow().type().name().toLowerCase(java.util.Locale.ROOT));
                schemaList.add(col);
            }
            manifest.put("schema", schemaList);
            manifest.put("shards", shardList);
            Path mf = store(ctx).newTempFile(".json");
            Files.writeString(mf, Json.write(manifest));
            Artifact m = store(ctx).put(mf, ArtifactKind.REPORT, MANIFEST_MEDIA_TYPE);
            catalog(ctx).produced(ctx, "manifest", m, rows, null, null);

            Map<String, Object> out = new LinkedHashMap<>();
            out.put("manifest", m.ref());
            out.put("manifest_uri", m.uri());
            out.put("shards", refs);
            out.put("rows", rows);
            out.put("rows_without_label", total - rows);
            out.put("bytes", bytes);
            out.put("features", features);
            if (label != null) out.put("label", label);
            if (classes != null) out.put("classes", classes);
            ctx.log()
                    .printf(
                            "export: %d rows of %s in %d shards (%d bytes), seed %d, manifest %s%n",
                            rows, ref, shards, bytes, seed, m.ref());
            return TaskResult.of(out);
        }
    }

    /** The dataset to export: config dataset, else the upstream output named by input (default train, then dataset). */
    private String input(TaskContext ctx, Cfg cfg) throws TaskFailedException {
        if (cfg.has("dataset")) return inputRef(ctx, cfg, "dataset", true);
        if (cfg.has("input")) return inputRef(ctx, cfg, cfg.str("input"), true);
        String train = inputRef(ctx, cfg, "train", false);
        if (train != null) return train;
        String ref = inputRef(ctx, cfg, "dataset", false);
        if (ref == null) {
            throw new TaskFailedException("dataset: nothing to export; set config dataset, or depend on a task whose"
                    + " output has \"train\" (ml.preprocess, ml.split) or \"dataset\" (ml.ingest)");
        }
        return ref;
    }

    /** The configured features, else the upstream ml.preprocess/ml.feature's, else every column but the label. */
    private static List<String> features(TaskContext ctx, Cfg cfg, DatasetSchema schema, String label)
            throws TaskFailedException {
        List<String> features;
        String where;
        if (cfg.has("features")) {
            features = cfg.strings("features");
            where = "features";
        } else {
            List<String> upstream = null;
            for (Map<String, Object> out : ctx.upstreamOutputs().values()) {
                if (out != null && out.get("features") instanceof List<?> l) {
                    if (upstream != null)
                        throw new TaskFailedException(
                                "features: several upstream tasks output features; set config features");
                    upstream = l.stream().map(String::valueOf).toList();
                }
            }
            features = upstream != null
                    ? upstream
                    : schema.names().stream().filter(n -> !n.equals(label)).toList();
            where = upstream != null ? "features (from the upstream output)" : "features (every column but the label)";
        }
        if (features.isEmpty()) throw new TaskFailedException(where + ": no feature columns to export");
        List<String> missing = new ArrayList<>();
        List<String> notNumeric = new ArrayList<>();
        for (String f : features) {
            if (f.equals(label))
                throw new TaskFailedException(where + ": \"" + f + "\" is the label; leave it out of the features");
            var c = schema.column(f);
            if (c.isEmpty()) missing.add(f);
            else if (c.get().type() != ColumnType.NUMBER && c.get().type() != ColumnType.BOOLEAN)
                notNumeric.add(f + " (" + c.get().type().name().toLowerCase(java.util.Locale.ROOT) + ")");
        }
        if (!missing.isEmpty()) {
            throw new TaskFailedException(where + ": no column " + String.join(", ", missing) + " in the dataset"
                    + " (columns: " + String.join(", ", schema.names()) + ")");
        }
        if (!notNumeric.isEmpty()) {
            throw new TaskFailedException(
                    where + ": tensors need numbers or booleans, not " + String.join(", ", notNumeric)
                            + "; encode them with ml.preprocess first or leave them out of features");
        }
        return features;
    }

    /**
     * A text or boolean label's classes, sorted (text by code point, false before true) as ml.train sorts them; a
     * reader turns a label into its index here. Numeric labels have none (null): they are read as numbers.
     */
    private static List<Object> classes(DuckDb db, Column label) throws Exception {
        if (label.type() != ColumnType.STRING && label.type() != ColumnType.BOOLEAN) return null;
        List<Object> out = new ArrayList<>();
        String sql = "SELECT DISTINCT " + ident(label.name()) + " AS v FROM export_rows ORDER BY v";
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery(sql)) {
            while (r.next()) out.add(label.type() == ColumnType.STRING ? r.getString(1) : r.getBoolean(1));
        }
        if (label.type() == ColumnType.STRING) out.sort((a, b) -> compareCodePoints((String) a, (String) b));
        return out;
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(i);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
        }
        return Integer.compare(a.length(), b.length());
    }

    /** The artifact's path under the store's {@code artifacts/} root, the same locally and in an object store. */
    static String storePath(String hash) {
        return "sha256/" + hash.substring(0, 2) + "/" + hash;
    }
}
