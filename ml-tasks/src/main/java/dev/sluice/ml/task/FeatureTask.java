package dev.sluice.ml.task;

import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.transform.FeatureFitter;
import dev.sluice.ml.transform.FeatureSpec;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.ml.transform.Step;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ml.feature: derives features from preprocessed splits (products, logs, quantile bins, date parts, hashed
 * categoricals), fitting what needs fitting on the training split, and extends the upstream transform with these
 * steps, so the model's stored transform goes from raw input straight to its features.
 */
public final class FeatureTask extends MlTask {
    private static final List<ConfigField> FIELDS = with(
            List.of(
                    ConfigField.optional(
                            "train",
                            FieldType.STRING,
                            null,
                            "Preprocessed training split; default: upstream \"train\"."),
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
                            "date_parts",
                            FieldType.MAP,
                            Map.of(),
                            "timestamp column: [year, month, day, day_of_week, hour]."),
                    ConfigField.optional(
                            "hash",
                            FieldType.MAP,
                            Map.of(),
                            "text column: number of hash buckets (one 0/1 column each)."),
                    ConfigField.optional(
                            "power", FieldType.MAP, Map.of(), "column: exponent p, giving column^p = sign(x)·|x|^p."),
                    ConfigField.optional(
                            "text",
                            FieldType.MAP,
                            Map.of(),
                            "free-text column: {buckets: 256, ngrams: [1, 2], tfidf: true}: hashed word n-grams, IDF fitted on training.")));

    @Override
    public String name() {
        return "ml.feature";
    }

    @Override
    public String description() {
        return "Derive features (interactions, logs, powers, bins, date parts, hashing, text n-grams / TF-IDF) and extend the fitted transform.";
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
            FittedTransform extended = base.andThen(steps);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("transform", PreprocessTask.saveTransform(ctx, this, extended));
            for (String split : List.of("train", "validation", "test")) {
                String ref = split.equals("train") ? train : inputRef(ctx, cfg, split, false);
                if (ref == null) continue;
                Datasets.Stored st = TransformApplier.applySql(
                        ctx,
                        this,
                        db,
                        ref,
                        base.output(),
                        steps,
                        row -> {
                            Map<String, Object> r = new LinkedHashMap<>(row);
                            for (Step s : steps) s.apply(r);
                            r.remove(label);
                            return r;
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
