package dev.sluice.ml.task;

import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.model.RegisteredModels;
import dev.sluice.ml.spark.PySparkJob;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ml.predict: batch scoring with a registered model. The rows of a dataset go through {@link LoadedModel#score},
 * the path the predict API serves with, in batches, so each row's prediction is exactly what the API answers for
 * it; the predictions, with the columns the config keeps, become a Parquet dataset artifact.
 */
public final class PredictTask extends MlTask {
    private static final List<ConfigField> FIELDS = with(List.of(
            ConfigField.required("model_name", FieldType.STRING, "Registered model to score with."),
            ConfigField.optional(
                    "alias",
                    FieldType.STRING,
                    null,
                    "Alias of the version to use; default champion (when version is not set either)."),
            ConfigField.optional(
                    "version", FieldType.INTEGER, null, "Version number to use instead of an alias: a fixed model."),
            ConfigField.optional(
                    "dataset",
                    FieldType.STRING,
                    null,
                    "Rows to score: an artifact reference (e.g. {{ tasks.ingest.output.dataset }}) or a Parquet or CSV"
                            + " file path, relative to the DAG file's directory; default: upstream \"dataset\"."),
            ConfigField.optional(
                    "keep_columns",
                    FieldType.LIST,
                    List.of(),
                    "Dataset columns copied into the output before the predictions (e.g. an id), with their own"
                            + " types."),
            ConfigField.optional(
                    "batch_rows",
                    FieldType.INTEGER,
                    BatchScorer.BATCH_ROWS,
                    "Rows per call to the model: larger batches spread its per-call cost, smaller ones hold less"
                            + " memory. The predictions do not depend on it. engine: duckdb only."),
            ConfigField.optional(
                    "engine",
                    FieldType.STRING,
                    "duckdb",
                    "duckdb: the rows stream through the worker; spark: one Spark SQL job (the transform and a"
                            + " linear or logistic model compiled to SQL) over a Parquet dataset too large for one"
                            + " machine."),
            ConfigField.optional(
                    "spark",
                    FieldType.MAP,
                    Map.of(),
                    "engine: spark only: master (default local[*]), conf, spark_home, python, java_home, as on a"
                            + " spark task.")));

    /** Output column names the predictions take; a kept column may not have one of them. */
    static final String PREDICTION = "prediction";

    static final String PROBABILITY = "probability";

    static final String SPARK = "spark";

    /** A dataset the Spark cluster reads itself (s3a://, hdfs://, file:...). */
    private static final java.util.regex.Pattern URL = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:.*");

    @Override
    public String name() {
        return "ml.predict";
    }

    @Override
    public String description() {
        return "Score a dataset with a registered model (champion, an alias or a version) into a Parquet dataset of"
                + " predictions.";
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>(cacheErrors(config));
        Object alias = config.get("alias");
        Object version = config.get("version");
        if (alias != null && version != null)
            errors.add("alias and version: give one of them, not both (neither means the champion)");
        if (alias != null && !Cfg.isTemplate(alias) && looksLikeVersion(alias.toString()))
            errors.add("alias: \"" + alias + "\" reads as a version number; set version: instead");
        if (version != null && !Cfg.isTemplate(version)) {
            Number n = Cfg.number(version);
            if (n == null || n.doubleValue() < 1 || n.doubleValue() != Math.rint(n.doubleValue()))
                errors.add("version: must be a whole number, 1 or more, got \"" + version + "\"");
        }
        Object batch = config.get("batch_rows");
        if (batch != null && !Cfg.isTemplate(batch)) {
            Number n = Cfg.number(batch);
            if (n == null
                    || n.doubleValue() < 1
                    || n.doubleValue() > 1_000_000
                    || n.doubleValue() != Math.rint(n.doubleValue()))
                errors.add("batch_rows: must be a whole number from 1 to 1000000, got \"" + batch + "\"");
        }
        Object engine = config.get("engine");
        boolean spark = SPARK.equals(engine);
        if (engine != null && !Cfg.isTemplate(engine) && !spark && !"duckdb".equals(engine))
            errors.add("engine: must be duckdb or spark, got \"" + engine + "\"");
        Object sparkSettings = config.get("spark");
        if (sparkSettings instanceof Map<?, ?> m) {
            if (!m.isEmpty() && !spark && (engine == null || !Cfg.isTemplate(engine)))
                errors.add("spark: settings for engine: spark, but engine is " + (engine == null ? "duckdb" : engine));
            errors.addAll(PySparkJob.validate("spark", m));
        } else if (sparkSettings != null) {
            errors.add("spark: expected a map of settings (master, conf, spark_home, python, java_home)");
        }
        Object dataset = config.get("dataset");
        if (spark && dataset instanceof String s && !Cfg.isTemplate(s) && "csv".equals(format(s))) {
            errors.add("dataset: engine: spark reads Parquet (a file, a folder of part files or a URL), not \"" + s
                    + "\"");
        } else if (!spark && dataset instanceof String s && !Cfg.isTemplate(s) && !s.startsWith(Artifact.REF_PREFIX)) {
            if (format(s) == null)
                errors.add("dataset: \"" + s + "\" is neither an artifact reference (sha256:...) nor a .parquet or"
                        + " .csv file");
        }
        Object keep = config.get("keep_columns");
        if (keep instanceof List<?> list) {
            Set<String> seen = new HashSet<>();
            for (Object o : list) {
                if (!(o instanceof String c) || c.isBlank()) {
                    errors.add("keep_columns: every entry must be a column name, got " + o);
                    continue;
                }
                if (Cfg.isTemplate(c)) continue;
                if (!seen.add(c.toLowerCase(Locale.ROOT))) errors.add("keep_columns: \"" + c + "\" is listed twice");
                if (reserved(c))
                    errors.add("keep_columns: \"" + c + "\" would clash with the output's own column of that name"
                            + " (prediction, probability, probability_<class>); rename it in ml.ingest's sql");
            }
        }
        return errors;
    }

    @Override
    String notCacheable(Map<String, Object> config) {
        if (config.get("version") == null)
            return "ml.predict with an alias scores with whichever version the alias points at when it runs; set"
                    + " version to cache";
        if (config.get("dataset") instanceof String d
                && !d.startsWith(Artifact.REF_PREFIX)
                && !Cfg.isTemplate(d)
                && URL.matcher(d).matches())
            return "ml.predict cannot tell whether the data at a URL changed since the cached result; cache an"
                    + " artifact or a file instead";
        return null;
    }

    @Override
    List<String> inputKeys() {
        return List.of("dataset");
    }

    @Override
    Map<String, Object> cacheInputs(TaskContext ctx, Cfg cfg) throws Exception {
        Map<String, Object> in = new LinkedHashMap<>();
        // A version's bundle never changes, but the same name and number in another database is another model.
        in.put("bundle", resolveVersion(ctx, cfg).bundleRef());
        if (cfg.has("dataset") && !cfg.str("dataset").startsWith(Artifact.REF_PREFIX)) {
            Path f = resolve(ctx, cfg.str("dataset"));
            if (Files.isRegularFile(f))
                in.put(
                        "file",
                        f + ":" + Files.size(f) + "@"
                                + Files.getLastModifiedTime(f).toMillis());
            else if (Files.isDirectory(f)) {
                // engine: spark reads a folder of part files: any part added, removed or rewritten is another input.
                List<String> parts = new ArrayList<>();
                try (var walk = Files.walk(f)) {
                    for (Path p : walk.filter(Files::isRegularFile).sorted().toList())
                        parts.add(f.relativize(p) + ":" + Files.size(p) + "@"
                                + Files.getLastModifiedTime(p).toMillis());
                }
                in.put("folder", f.toString());
                in.put("parts", parts);
            }
        }
        return in;
    }

    @Override
    TaskResult run(TaskContext ctx) throws Exception {
        List<String> errors = validate(ctx.config());
        if (!errors.isEmpty()) throw new TaskFailedException("invalid ml.predict config: " + String.join("; ", errors));
        Cfg cfg = cfg(ctx);
        RegisteredModels.Version v = resolveVersion(ctx, cfg);
        LoadedModel model = LoadedModel.load(store(ctx), v.bundleRef());
        catalog(ctx).consumed(ctx, "bundle", v.bundleRef());
        if (SPARK.equals(cfg.str("engine", "duckdb"))) {
            try (model) {
                return onSpark(ctx, cfg, v, model);
            }
        }
        try (DuckDb db = duck(ctx, cfg)) {
            String relation = datasetRelation(ctx, cfg);
            BatchScorer.Result r = new BatchScorer(model, cfg.integer("batch_rows"))
                    .score(ctx, store(ctx), db, relation, cfg.strings("keep_columns"));
            Datasets.Stored st = Datasets.storeFile(ctx, this, db, r.parquet(), "predictions");
            Files.deleteIfExists(r.parquet());
            ctx.log()
                    .printf(
                            "scored %,d rows with %s version %d (%s) in %.2f s: %,.0f rows/s; predictions %s%n",
                            st.rows(),
                            v.modelName(),
                            v.version(),
                            model.bundle().algorithm(),
                            r.seconds(),
                            r.seconds() > 0 ? st.rows() / r.seconds() : 0.0,
                            st.artifact().ref());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("predictions", st.artifact().ref());
            out.put("rows", st.rows());
            out.put("model_name", v.modelName());
            out.put("version", v.version());
            out.put("bundle", v.bundleRef());
            out.put("problem", model.bundle().problem().lower());
            out.put("columns", st.schema().names());
            return TaskResult.of(out);
        }
    }

    /**
     * engine: spark: the scoring query ({@link SparkScoring}) runs in a PySpark job shipped in this jar, through the
     * spark task's machinery; its folder of part files becomes one dataset artifact like the DuckDB path's.
     */
    private TaskResult onSpark(TaskContext ctx, Cfg cfg, RegisteredModels.Version v, LoadedModel model)
            throws Exception {
        List<String> keep = cfg.strings("keep_columns");
        String sql = SparkScoring.query(model, keep);
        String input = sparkInput(ctx, cfg);
        Path dir = Files.createTempDirectory(
                Files.createDirectories(ctx.home().resolve("tmp").resolve("spark")), "predict-");
        try {
            Path script = dir.resolve("spark_score.py");
            try (var in = PredictTask.class.getResourceAsStream("spark_score.py")) {
                if (in == null) throw new IllegalStateException("spark_score.py is missing from the jar");
                Files.copy(in, script);
            }
            Map<String, Object> plan = new LinkedHashMap<>();
            plan.put("input", input);
            plan.put("inputs", model.bundle().inputSchema().names());
            plan.put("keep", keep);
            plan.put("sql", sql);
            plan.put("key", "predictions");
            Path planFile = dir.resolve("plan.json");
            Files.writeString(planFile, dev.sluice.ml.Json.write(plan));
            @SuppressWarnings("unchecked")
            Map<String, Object> settings =
                    ctx.config().get("spark") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
            long t0 = System.nanoTime();
            Map<String, Object> job = PySparkJob.run(ctx, script, List.of(planFile.toString()), settings);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (!(job.get("predictions") instanceof String ref))
                throw new TaskFailedException("the Spark scoring job wrote no predictions");
            long rows = ((Number) job.get("predictions_rows")).longValue();
            List<String> columns;
            try (DuckDb db = duck(ctx, cfg)) {
                columns = db.schemaOf(
                                "SELECT * FROM " + DuckDb.parquet(store(ctx).localPath(ref)))
                        .names();
            }
            ctx.log()
                    .printf(
                            "scored %,d rows on Spark with %s version %d (%s) in %.2f s: %,.0f rows/s; predictions"
                                    + " %s%n",
                            rows,
                            v.modelName(),
                            v.version(),
                            model.bundle().algorithm(),
                            seconds,
                            seconds > 0 ? rows / seconds : 0.0,
                            ref);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("predictions", ref);
            out.put("rows", rows);
            out.put("model_name", v.modelName());
            out.put("version", v.version());
            out.put("bundle", v.bundleRef());
            out.put("problem", model.bundle().problem().lower());
            out.put("columns", columns);
            return TaskResult.of(out);
        } finally {
            try (var walk = Files.walk(dir)) {
                for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }

    /**
     * Where the Spark job reads the rows: an artifact's local file (lineage recorded), a URL as it is, or a Parquet
     * file or folder beside the DAG file.
     */
    private String sparkInput(TaskContext ctx, Cfg cfg) throws Exception {
        if (!cfg.has("dataset") || cfg.str("dataset").startsWith(Artifact.REF_PREFIX))
            return store(ctx)
                    .localPath(inputRef(ctx, cfg, "dataset", true))
                    .toAbsolutePath()
                    .toString();
        String d = cfg.str("dataset");
        if (URL.matcher(d).matches()) return d;
        Path f = resolve(ctx, d);
        if (!Files.exists(f))
            throw new TaskFailedException("dataset: no file or folder " + f
                    + " (a relative path is resolved against the DAG file's" + " directory)");
        return f.toAbsolutePath().toString();
    }

    /** The version to score with: {@code version}, else {@code alias}, else the champion. */
    private static RegisteredModels.Version resolveVersion(TaskContext ctx, Cfg cfg) throws TaskFailedException {
        RegisteredModels registry = ctx.service(RegisteredModels.class)
                .orElseThrow(() -> new TaskFailedException(
                        "ml.predict needs the model registry (module ml-registry), which this node does not have"));
        String name = cfg.str("model_name");
        boolean byVersion = cfg.has("version");
        String target = byVersion ? Long.toString(cfg.lng("version")) : cfg.str("alias", RegisteredModels.CHAMPION);
        if (!byVersion && looksLikeVersion(target))
            throw new TaskFailedException("alias: \"" + target + "\" reads as a version number; set version: instead");
        return registry.find(name, target)
                .orElseThrow(() -> new TaskFailedException((byVersion
                                ? "version: model " + name + " has no version " + target
                                : "alias: model " + name + " has no alias " + target)
                        + " (ml.deploy registers versions; the Models page lists them)"));
    }

    /**
     * The rows as a DuckDB relation: an artifact through {@link #inputRef} (recording lineage), a file path read by
     * DuckDB as it is.
     */
    private String datasetRelation(TaskContext ctx, Cfg cfg) throws Exception {
        if (!cfg.has("dataset") || cfg.str("dataset").startsWith(Artifact.REF_PREFIX))
            return DuckDb.parquet(store(ctx).localPath(inputRef(ctx, cfg, "dataset", true)));
        Path f = resolve(ctx, cfg.str("dataset"));
        if (!Files.isRegularFile(f))
            throw new TaskFailedException(
                    "dataset: no file " + f + " (a relative path is resolved against the DAG file's directory)");
        return switch (format(f.toString())) {
            case "parquet" -> DuckDb.parquet(f);
            case "csv" -> "read_csv(" + DuckDb.literal(f.toAbsolutePath().toString()) + ", header = true)";
            default -> throw new TaskFailedException("dataset: " + f + " is neither a .parquet nor a .csv file");
        };
    }

    private static String format(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        if (p.endsWith(".parquet")) return "parquet";
        if (p.endsWith(".csv")) return "csv";
        return null;
    }

    /** The registry reads "3" and "v3" as version numbers, so such an alias could never be resolved as one. */
    private static boolean looksLikeVersion(String s) {
        return s.matches("v?\\d+");
    }

    /** Whether a kept column would take the name of a prediction column (DuckDB names ignore case). */
    static boolean reserved(String column) {
        String c = column.toLowerCase(Locale.ROOT);
        return c.equals(PREDICTION) || c.equals(PROBABILITY) || c.startsWith(PROBABILITY + "_");
    }
}
