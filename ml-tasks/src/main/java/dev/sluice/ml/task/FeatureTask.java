package dev.sluice.ml.task;

import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.embedding.EmbeddingModels;
import dev.sluice.ml.embedding.EncoderCache;
import dev.sluice.ml.embedding.EncoderConfig;
import dev.sluice.ml.embedding.SentenceEncoder;
import dev.sluice.ml.transform.FeatureFitter;
import dev.sluice.ml.transform.FeatureSpec;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.ml.transform.Step;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ml.feature: derives features from preprocessed splits (products, logs, quantile bins, date parts, hashed
 * categoricals, text n-grams, sentence embeddings), fitting what needs fitting on the training split, and extends the upstream transform with these
 * steps, so the model's stored transform goes from raw input straight to its features.
 */
public final class FeatureTask extends MlTask {
    private static final List<ConfigField> FIELDS = with(List.of(
            ConfigField.optional(
                    "train", FieldType.STRING, null, "Preprocessed training split; default: upstream \"train\"."),
            ConfigField.optional(
                    "validation", FieldType.STRING, null, "Preprocessed validation split; default: upstream."),
            ConfigField.optional("test", FieldType.STRING, null, "Preprocessed test split; default: upstream."),
            ConfigField.optional(
                    "transform",
                    FieldType.STRING,
                    null,
                    "The upstream fitted transform to extend; default: upstream \"transform\"."),
            ConfigField.optional("label", FieldType.STRING, null, "Label column, carried along."),
            ConfigField.optional(
                    "interactions",
                    FieldType.LIST,
                    List.of(),
                    "Pairs [a, b] giving a column a*b (polynomial: [a, a])."),
            ConfigField.optional(
                    "log", FieldType.LIST, List.of(), "Columns getting log(c) = ln(1 + c - training min)."),
            ConfigField.optional(
                    "bins", FieldType.MAP, Map.of(), "column: number of quantile bins, fitted on training."),
            ConfigField.optional(
                    "date_parts", FieldType.MAP, Map.of(), "timestamp column: [year, month, day, day_of_week, hour]."),
            ConfigField.optional(
                    "hash", FieldType.MAP, Map.of(), "text column: number of hash buckets (one 0/1 column each)."),
            ConfigField.optional(
                    "power", FieldType.MAP, Map.of(), "column: exponent p, giving column^p = sign(x)·|x|^p."),
            ConfigField.optional(
                    "text",
                    FieldType.MAP,
                    Map.of(),
                    "free-text column: {buckets: 256, ngrams: [1, 2], tfidf: true}: hashed word n-grams, IDF fitted on training."),
            ConfigField.optional(
                    "embeddings",
                    FieldType.LIST,
                    List.of(),
                    "Free-text columns that become dense sentence embeddings (column#e0...) of embedding_model."),
            ConfigField.optional(
                    "embedding_model",
                    FieldType.STRING,
                    null,
                    "The sentence-transformers model of embeddings: a model directory (absolute or relative to"
                            + " the DAG's folder) or a name (all-MiniLM-L6-v2) found in "
                            + EmbeddingModels.MODELS_DIR_SETTING
                            + " or the Python of SLUICE_PYTHON; never downloaded.")));

    private final EmbeddingModels models;

    public FeatureTask() {
        this(EmbeddingModels.fromEnvironment());
    }

    FeatureTask(EmbeddingModels models) {
        this.models = models;
    }

    @Override
    public String name() {
        return "ml.feature";
    }

    @Override
    public String description() {
        return "Derive features (interactions, logs, powers, bins, date parts, hashing, text n-grams / TF-IDF, sentence embeddings) and extend the fitted transform.";
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>(cacheErrors(config));
        Object embeddings = config.get("embeddings");
        boolean some = embeddings instanceof List<?> l && !l.isEmpty();
        Object model = config.get("embedding_model");
        if (some && (model == null || model.toString().isBlank()))
            errors.add("embedding_model: required when embeddings lists columns (a model directory or a name such as "
                    + EmbeddingModels.PACKAGES.keySet().iterator().next() + ")");
        if (!some && model != null) errors.add("embedding_model is set but embeddings lists no column");
        if (some && config.get("text") instanceof Map<?, ?> text) {
            for (Object c : (List<?>) embeddings)
                if (text.containsKey(c))
                    errors.add("embeddings: column " + c + " is also in text; a text column becomes either hashed"
                            + " n-grams or an embedding (add a copy of the column in ml.ingest's sql for both)");
        }
        return errors;
    }

    @Override
    Map<String, Object> cacheInputs(TaskContext ctx, Cfg cfg) throws Exception {
        if (cfg.strings("embeddings").isEmpty()) return Map.of();
        // The model files on this node are an input: a reinstalled model must not reuse features of the old one.
        Path dir = modelDirectory(ctx, cfg);
        Map<String, Object> in = new LinkedHashMap<>();
        for (String f : List.of("model.safetensors", "vocab.txt", "config.json")) {
            Path p = dir.resolve(f);
            in.put(
                    "embedding_model/" + f,
                    Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
        }
        return in;
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    List<String> inputKeys() {
        return List.of("train", "validation", "test", "transform");
    }

    @Override
    TaskResult run(TaskContext ctx) throws Exception {
        Cfg cfg = cfg(ctx);
        String train = inputRef(ctx, cfg, "train", true);
        String transformRef = inputRef(ctx, cfg, "transform", true);
        String label = cfg.str("label", null);
        FeatureSpec spec = spec(cfg);
        FittedTransform base = FittedTransform.load(store(ctx).localPath(transformRef));
        try (DuckDb db = duck(ctx, cfg)) {
            List<Step> steps;
            try {
                steps = new FeatureFitter(db).fit(DuckDb.parquet(store(ctx).localPath(train)), spec);
            } catch (IllegalArgumentException | java.sql.SQLException e) {
                throw new TaskFailedException("cannot fit features: " + e.getMessage());
            }
            List<String> embed = cfg.strings("embeddings");
            if (!embed.isEmpty()) {
                steps = new ArrayList<>(steps);
                steps.addAll(embeddingSteps(ctx, cfg, base, embed));
            }
            List<Step> fitted = steps;
            FittedTransform extended = base.andThen(steps);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("transform", PreprocessTask.saveTransform(ctx, this, extended));
            for (String split : List.of("train", "validation", "test")) {
                String ref = split.equals("train") ? train : inputRef(ctx, cfg, split, false);
                if (ref == null) continue;
                Datasets.Stored st = TransformApplier.applySqlBatched(
                        ctx,
                        this,
                        db,
                        ref,
                        base.output(),
                        fitted,
                        rows -> {
                            List<Map<String, Object>> copies = new ArrayList<>(rows.size());
                            for (Map<String, Object> row : rows) copies.add(new LinkedHashMap<>(row));
                            for (Step s : fitted) s.applyAll(copies);
                            for (Map<String, Object> r : copies) r.remove(label);
                            return copies;
                        },
                        extended.output(),
                        label,
                        split);
                out.put(split, st.artifact().ref());
                out.put(split + "_rows", st.rows());
            }
            out.put("features", extended.output().columns().size());
            ctx.log()
                    .printf(
                            "added %d feature steps: %d features%n",
                            steps.size(), extended.output().columns().size());
            return TaskResult.of(out);
        }
    }

    private Path modelDirectory(TaskContext ctx, Cfg cfg) throws TaskFailedException {
        String name = cfg.str("embedding_model", null);
        if (name == null)
            throw new TaskFailedException("embedding_model: required when embeddings lists columns (a model directory"
                    + " or a name such as all-MiniLM-L6-v2)");
        try {
            return models.resolve("embedding_model", name, ctx::resolveDagPath);
        } catch (java.io.IOException e) {
            throw new TaskFailedException(e.getMessage());
        }
    }

    /**
     * One embedding step per column, all of one model: its weights and vocabulary are copied into the artifact store
     * (content-addressed, so once per distinct file) and the steps name them there, which is what makes a model that
     * uses these features servable by a node without the model installed.
     */
    private List<Step> embeddingSteps(TaskContext ctx, Cfg cfg, FittedTransform base, List<String> columns)
            throws Exception {
        for (String c : columns) {
            if (base.output().column(c).isEmpty())
                throw new TaskFailedException("embeddings: no column " + c + " in the preprocessed data (its columns: "
                        + base.output().names() + "); keep a text column with ml.preprocess's passthrough");
        }
        String name = cfg.str("embedding_model");
        Path dir = modelDirectory(ctx, cfg);
        EncoderConfig config;
        try {
            config = EncoderConfig.read(dir);
        } catch (java.io.IOException e) {
            throw new TaskFailedException("embedding_model: " + e.getMessage());
        }
        Artifact weights = storeCopy(ctx, dir.resolve("model.safetensors"), "application/octet-stream", name);
        Artifact vocab = storeCopy(ctx, dir.resolve("vocab.txt"), "text/plain", name);
        long t0 = System.nanoTime();
        SentenceEncoder encoder;
        try {
            encoder = EncoderCache.get(store(ctx), config, weights.ref(), vocab.ref());
        } catch (java.io.IOException e) {
            throw new TaskFailedException("embedding_model: cannot load " + dir + ": " + e.getMessage());
        }
        ctx.log()
                .printf(
                        "embedding model %s from %s: %d dimensions, %d layers, at most %d tokens a text, %s pooling;"
                                + " weights %s (loaded in %.1f s)%n",
                        name,
                        dir,
                        config.hidden(),
                        config.layers(),
                        config.maxSeqLength(),
                        config.pooling(),
                        weights.ref(),
                        (System.nanoTime() - t0) / 1e9);
        List<Step> out = new ArrayList<>();
        for (String c : columns) out.add(new Step.Embedding(c, name, weights.ref(), vocab.ref(), config).bind(encoder));
        return out;
    }

    private Artifact storeCopy(TaskContext ctx, Path file, String mediaType, String model) throws Exception {
        Path tmp = store(ctx).newTempFile("-" + file.getFileName());
        Files.copy(file, tmp);
        Artifact a = store(ctx).put(tmp, ArtifactKind.MODEL, mediaType);
        catalog(ctx)
                .produced(
                        ctx,
                        "embedding_model",
                        a,
                        null,
                        null,
                        Map.of("model", model, "file", file.getFileName().toString()));
        return a;
    }

    private static FeatureSpec spec(Cfg cfg) throws TaskFailedException {
        List<List<String>> inter = new ArrayList<>();
        Object raw = cfg.raw("interactions");
        if (raw instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof List<?> pair) || pair.size() != 2)
                    throw new TaskFailedException("interactions: each entry is a pair [a, b], got " + o);
                inter.add(List.of(pair.get(0).toString(), pair.get(1).toString()));
            }
        }
        Map<String, Integer> bins = new LinkedHashMap<>();
        for (var e : cfg.map("bins").entrySet()) bins.put(e.getKey(), toInt("bins." + e.getKey(), e.getValue()));
        Map<String, Integer> hash = new LinkedHashMap<>();
        for (var e : cfg.map("hash").entrySet()) hash.put(e.getKey(), toInt("hash." + e.getKey(), e.getValue()));
        Map<String, List<String>> dates = new LinkedHashMap<>();
        for (var e : cfg.map("date_parts").entrySet()) {
            if (!(e.getValue() instanceof List<?> parts))
                throw new TaskFailedException("date_parts." + e.getKey() + " must be a list");
            List<String> ps = parts.stream().map(Object::toString).toList();
            for (String p : ps) {
                if (!List.of("year", "month", "day", "day_of_week", "hour").contains(p)) {
                    throw new TaskFailedException("date_parts." + e.getKey() + ": unknown part " + p
                            + " (year, month, day, day_of_week, hour)");
                }
            }
            dates.put(e.getKey(), ps);
        }
        Map<String, Double> power = new LinkedHashMap<>();
        for (var e : cfg.map("power").entrySet()) {
            if (!(e.getValue() instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() == 0) {
                throw new TaskFailedException(
                        "power." + e.getKey() + " must be a non-zero number, got " + e.getValue());
            }
            power.put(e.getKey(), n.doubleValue());
        }
        Map<String, FeatureSpec.TextSpec> text = new LinkedHashMap<>();
        for (var e : cfg.map("text").entrySet()) text.put(e.getKey(), textSpec("text." + e.getKey(), e.getValue()));
        return new FeatureSpec(inter, cfg.strings("log"), power, bins, dates, hash, text);
    }

    private static FeatureSpec.TextSpec textSpec(String key, Object v) throws TaskFailedException {
        if (!(v instanceof Map<?, ?> m))
            throw new TaskFailedException(key + " must be a mapping {buckets, ngrams, tfidf}");
        for (Object k : m.keySet()) {
            if (!List.of("buckets", "ngrams", "tfidf").contains(String.valueOf(k)))
                throw new TaskFailedException(key + ": unknown field " + k + " (buckets, ngrams, tfidf)");
        }
        int buckets = toInt(key + ".buckets", m.containsKey("buckets") ? m.get("buckets") : 256);
        int minN = 1;
        int maxN = 1;
        if (m.get("ngrams") != null) {
            if (!(m.get("ngrams") instanceof List<?> ng) || ng.size() != 2)
                throw new TaskFailedException(key + ".ngrams must be [min, max], got " + m.get("ngrams"));
            minN = toInt(key + ".ngrams[0]", ng.get(0));
            maxN = toInt(key + ".ngrams[1]", ng.get(1));
            if (maxN < minN)
                throw new TaskFailedException(key + ".ngrams must be [min, max] with min <= max, got " + ng);
        }
        Object tfidf = m.containsKey("tfidf") ? m.get("tfidf") : Boolean.TRUE;
        if (!(tfidf instanceof Boolean b))
            throw new TaskFailedException(key + ".tfidf must be true or false, got " + tfidf);
        return new FeatureSpec.TextSpec(buckets, minN, maxN, b);
    }

    private static int toInt(String key, Object v) throws TaskFailedException {
        if (v instanceof Number n && n.intValue() >= 1) return n.intValue();
        throw new TaskFailedException(key + " must be a positive integer, got " + v);
    }
}
