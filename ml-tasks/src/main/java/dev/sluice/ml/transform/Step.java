package dev.sluice.ml.transform;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.sluice.ml.data.Booleans;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.embedding.EncoderConfig;
import dev.sluice.ml.embedding.SentenceEncoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One fitted, parameter-only operation of a {@link FittedTransform}. Parameters are learnt on the training split
 * by the fitters and then frozen: applying a step never looks at other rows, so training, evaluation and serving
 * compute exactly the same thing.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Step.Impute.class, name = "impute"),
    @JsonSubTypes.Type(value = Step.Clip.class, name = "clip"),
    @JsonSubTypes.Type(value = Step.Scale.class, name = "scale"),
    @JsonSubTypes.Type(value = Step.OneHot.class, name = "one_hot"),
    @JsonSubTypes.Type(value = Step.Ordinal.class, name = "ordinal"),
    @JsonSubTypes.Type(value = Step.BooleanFlag.class, name = "boolean"),
    @JsonSubTypes.Type(value = Step.Interaction.class, name = "interaction"),
    @JsonSubTypes.Type(value = Step.Log.class, name = "log"),
    @JsonSubTypes.Type(value = Step.Bin.class, name = "bin"),
    @JsonSubTypes.Type(value = Step.DateParts.class, name = "date_parts"),
    @JsonSubTypes.Type(value = Step.Hash.class, name = "hash"),
    @JsonSubTypes.Type(value = Step.Power.class, name = "power"),
    @JsonSubTypes.Type(value = Step.Text.class, name = "text"),
    @JsonSubTypes.Type(value = Step.Embedding.class, name = "embedding"),
    @JsonSubTypes.Type(value = Step.Select.class, name = "select")
})
public sealed interface Step {

    /** Changes {@code row} in place. */
    void apply(Map<String, Object> row);

    /** The columns after this step, given those before it. */
    DatasetSchema outputSchema(DatasetSchema in);

    /**
     * Changes every row of a batch in place; the same as {@link #apply} row by row (steps never look across rows),
     * but a step with a per-call cost (a neural encoder) does its batch in one call.
     */
    default void applyAll(List<Map<String, Object>> rows) {
        for (Map<String, Object> r : rows) apply(r);
    }

    /** Replaces a missing value with a value learnt on the training split (mean, median, mode) or a constant. */
    record Impute(String column, Object value) implements Step {
        public void apply(Map<String, Object> row) {
            if (row.get(column) == null) row.put(column, value);
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            return in;
        }
    }

    /** Limits a numeric column to [lower, upper], bounds from training quantiles or IQR fences. */
    record Clip(String column, double lower, double upper) implements Step {
        public void apply(Map<String, Object> row) {
            Double x = num(row.get(column));
            if (x != null) row.put(column, Math.min(upper, Math.max(lower, x)));
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            return in;
        }
    }

    /** (x - center) / scale: standard (mean, sd), min-max (min, range) or robust (median, IQR) scaling. */
    record Scale(String column, double center, double scale) implements Step {
        public void apply(Map<String, Object> row) {
            Double x = num(row.get(column));
            if (x != null) row.put(column, (x - center) / scale);
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            return in;
        }
    }

    /**
     * One 0/1 column {@code column=category} per training category. A category never seen in training (or a
     * null) gives all zeros, unless {@code failOnUnseen}. A class rather than a record so the output column names
     * are built once, not per row.
     */
    final class OneHot implements Step {
        private final String column;
        private final List<String> categories;
        private final boolean failOnUnseen;
        private final String[] names;
        private final Map<String, Integer> index = new java.util.HashMap<>();

        @com.fasterxml.jackson.annotation.JsonCreator
        public OneHot(
                @com.fasterxml.jackson.annotation.JsonProperty("column") String column,
                @com.fasterxml.jackson.annotation.JsonProperty("categories") List<String> categories,
                @com.fasterxml.jackson.annotation.JsonProperty("failOnUnseen") boolean failOnUnseen) {
            this.column = column;
            this.categories = List.copyOf(categories);
            this.failOnUnseen = failOnUnseen;
            this.names = new String[categories.size()];
            for (int i = 0; i < names.length; i++) {
                names[i] = column + "=" + categories.get(i);
                index.put(categories.get(i), i);
            }
        }

        @com.fasterxml.jackson.annotation.JsonProperty
        public String column() {
            return column;
        }

        @com.fasterxml.jackson.annotation.JsonProperty
        public List<String> categories() {
            return categories;
        }

        @com.fasterxml.jackson.annotation.JsonProperty
        public boolean failOnUnseen() {
            return failOnUnseen;
        }

        public void apply(Map<String, Object> row) {
            Object v = row.remove(column);
            Integer hit = v == null ? null : index.get(v.toString());
            if (failOnUnseen && v != null && hit == null) throw new UnseenCategoryException(column, v.toString());
            for (int i = 0; i < names.length; i++) row.put(names[i], hit != null && hit == i ? 1.0 : 0.0);
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            List<Column> out = new ArrayList<>();
            for (Column c : in.columns()) {
                if (!c.name().equals(column)) out.add(c);
            }
            for (String n : names) out.add(new Column(n, ColumnType.NUMBER));
            return new DatasetSchema(out);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof OneHot h
                    && h.column.equals(column)
                    && h.categories.equals(categories)
                    && h.failOnUnseen == failOnUnseen;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(column, categories, failOnUnseen);
        }

        @Override
        public String toString() {
            return "OneHot[" + column + ", " + categories + "]";
        }
    }

    /** The index of the category in {@code categories} (training order), -1 for unseen or missing. */
    record Ordinal(String column, List<String> categories) implements Step {
        public void apply(Map<String, Object> row) {
            Object v = row.get(column);
            row.put(column, v == null ? -1.0 : (double) categories.indexOf(v.toString()));
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            return retype(in, column, ColumnType.NUMBER);
        }
    }

    /**
     * A boolean column as a number: 1 for true, 0 for false, {@code missing} (the training split's most frequent
     * value, or null to leave it missing) for a missing value. Reads JSON booleans and the texts DuckDB reads as
     * booleans ({@link Booleans}), so a caller may send the values the data had ("yes"/"no").
     */
    record BooleanFlag(String column, Double missing) implements Step {
        public void apply(Map<String, Object> row) {
            Boolean b;
            try {
                b = Booleans.of(row.get(column));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(column + ": " + e.getMessage());
            }
            // Boxed on both sides: a double branch would unbox a null fill.
            row.put(column, b == null ? missing : Double.valueOf(b ? 1.0 : 0.0));
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            return retype(in, column, ColumnType.NUMBER);
        }
    }

    /** A new column {@code a*b}: a product of two numeric columns (a square when a equals b). */
    record Interaction(String a, String b) implements Step {
        public void apply(Map<String, Object> row) {
            Double x = num(row.get(a));
            Double y = num(row.get(b));
            row.put(a + "*" + b, x == null || y == null ? null : x * y);
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            return add(in, a + "*" + b);
        }
    }

    /** A new column {@code log(column)} = ln(1 + max(0, x - shift)), shift = the training minimum. */
    record Log(String column, double shift) implements Step {
        public void apply(Map<String, Object> row) {
            Double x = num(row.get(column));
            row.put("log(" + column + ")", x == null ? null : Math.log1p(Math.max(0, x - shift)));
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            return add(in, "log(" + column + ")");
        }
    }

    /** A new column {@code column^p} = sign(x)·|x|^p: a power transform that keeps the sign of negative values. */
    record Power(String column, double exponent) implements Step {
        public void apply(Map<String, Object> row) {
            Double x = num(row.get(column));
            row.put(name(), x == null ? null : Math.signum(x) * Math.pow(Math.abs(x), exponent));
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            return add(in, name());
        }

        String name() {
            return column + "^"
                    + (exponent == Math.rint(exponent) ? Long.toString((long) exponent) : Double.toString(exponent));
        }
    }

    /** A new column {@code column_bin}: how many training-quantile edges lie at or below x. */
    record Bin(String column, List<Double> edges) implements Step {
        public void apply(Map<String, Object> row) {
            Double x = num(row.get(column));
            if (x == null) {
                row.put(column + "_bin", null);
                return;
            }
            int b = 0;
            while (b < edges.size() && edges.get(b) <= x) b++;
            row.put(column + "_bin", (double) b);
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            return add(in, column + "_bin");
        }
    }

    /** Replaces a timestamp column with numeric parts: year, month, day, day_of_week, hour. */
    record DateParts(String column, List<String> parts) implements Step {
        public void apply(Map<String, Object> row) {
            Object v = row.remove(column);
            LocalDateTime t = v == null ? null : toDateTime(v);
            for (String p : parts) {
                Double x = t == null
                        ? null
                        : switch (p) {
                            case "year" -> (double) t.getYear();
                            case "month" -> (double) t.getMonthValue();
                            case "day" -> (double) t.getDayOfMonth();
                            case "day_of_week" -> (double) t.getDayOfWeek().getValue();
                            case "hour" -> (double) t.getHour();
                            default -> throw new IllegalStateException("unknown date part " + p);
                        };
                row.put(column + "_" + p, x);
            }
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            List<Column> out = new ArrayList<>(
                    in.columns().stream().filter(c -> !c.name().equals(column)).toList());
            for (String p : parts) out.add(new Column(column + "_" + p, ColumnType.NUMBER));
            return new DatasetSchema(out);
        }

        private static LocalDateTime toDateTime(Object v) {
            if (v instanceof LocalDateTime t) return t;
            if (v instanceof OffsetDateTime o) return o.toLocalDateTime();
            String s = v.toString();
            return s.length() == 10
                    ? java.time.LocalDate.parse(s).atStartOfDay()
                    : LocalDateTime.parse(s.replace(' ', 'T'));
        }
    }

    /**
     * The hashing trick for a high-cardinality categorical: FNV-1a of the UTF-8 value modulo {@code buckets}, one
     * 0/1 column per bucket. Needs no vocabulary, so unseen values still land in some bucket.
     */
    record Hash(String column, int buckets) implements Step {
        public void apply(Map<String, Object> row) {
            Object v = row.remove(column);
            int hit = v == null ? -1 : bucket(v.toString(), buckets);
            for (int i = 0; i < buckets; i++) row.put(column + "#" + i, i == hit ? 1.0 : 0.0);
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            List<Column> out = new ArrayList<>(
                    in.columns().stream().filter(c -> !c.name().equals(column)).toList());
            for (int i = 0; i < buckets; i++) out.add(new Column(column + "#" + i, ColumnType.NUMBER));
            return new DatasetSchema(out);
        }

        static int bucket(String s, int buckets) {
            int h = 0x811c9dc5;
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                h ^= (b & 0xff);
                h *= 0x01000193;
            }
            return Math.floorMod(h, buckets);
        }
    }

    /**
     * Free text as hashed word n-grams: lower-cased tokens of letters and digits, n-grams of {@code minN..maxN}
     * words hashed (FNV-1a) into {@code buckets} columns {@code column#t0...}, counts weighted by the inverse
     * document frequency fitted on the training rows ({@code idf}, empty for plain term frequencies) and scaled to
     * unit length, as scikit-learn's HashingVectorizer + TfidfTransformer do. No vocabulary to store or to miss.
     */
    record Text(String column, int buckets, int minN, int maxN, List<Double> idf) implements Step {
        public Text {
            idf = List.copyOf(idf);
        }

        public void apply(Map<String, Object> row) {
            Object v = row.remove(column);
            double[] x = counts(v == null ? "" : v.toString(), buckets, minN, maxN);
            double norm = 0;
            for (int i = 0; i < buckets; i++) {
                if (!idf.isEmpty()) x[i] *= idf.get(i);
                norm += x[i] * x[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < buckets; i++) row.put(column + "#t" + i, norm == 0 ? 0.0 : x[i] / norm);
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            List<Column> out = new ArrayList<>(
                    in.columns().stream().filter(c -> !c.name().equals(column)).toList());
            for (int i = 0; i < buckets; i++) out.add(new Column(column + "#t" + i, ColumnType.NUMBER));
            return new DatasetSchema(out);
        }

        /** Raw n-gram counts per bucket; also what the document frequencies are fitted from. */
        public static double[] counts(String text, int buckets, int minN, int maxN) {
            double[] x = new double[buckets];
            List<String> tokens = new ArrayList<>();
            for (String t : text.toLowerCase(java.util.Locale.ROOT).split("[^\\p{L}\\p{N}]+"))
                if (!t.isEmpty()) tokens.add(t);
            for (int n = minN; n <= maxN; n++) {
                for (int i = 0; i + n <= tokens.size(); i++)
                    x[Hash.bucket(String.join(" ", tokens.subList(i, i + n)), buckets)]++;
            }
            return x;
        }
    }

    /**
     * A free-text column as the dense sentence embedding of a sentence-transformers model: columns
     * {@code column#e0...} (as many as the model's dimensions), computed in Java by {@link SentenceEncoder} from the
     * raw text, a missing text as the empty one. Nothing is fitted; what is frozen is the model itself: its weights
     * and vocabulary are artifacts of the store ({@code weights}, {@code vocab}, by content hash) and its shape and
     * text rules are {@code config}, so a serving node needs nothing but the artifact store.
     *
     * <p>The step must be {@link #bind bound} to its loaded encoder before it is applied ({@link
     * FittedTransform#withEncoders} does that for a loaded transform); the encoder is not part of its JSON.
     */
    final class Embedding implements Step {
        private final String column;
        private final String model;
        private final String weights;
        private final String vocab;
        private final EncoderConfig config;
        private final SentenceEncoder encoder;

        @com.fasterxml.jackson.annotation.JsonCreator
        public Embedding(
                @com.fasterxml.jackson.annotation.JsonProperty("column") String column,
                @com.fasterxml.jackson.annotation.JsonProperty("model") String model,
                @com.fasterxml.jackson.annotation.JsonProperty("weights") String weights,
                @com.fasterxml.jackson.annotation.JsonProperty("vocab") String vocab,
                @com.fasterxml.jackson.annotation.JsonProperty("config") EncoderConfig config) {
            this(column, model, weights, vocab, config, null);
        }

        private Embedding(
                String column,
                String model,
                String weights,
                String vocab,
                EncoderConfig config,
                SentenceEncoder encoder) {
            this.column = column;
            this.model = model;
            this.weights = weights;
            this.vocab = vocab;
            this.config = java.util.Objects.requireNonNull(config, "config");
            this.encoder = encoder;
        }

        /** This step with its encoder, which must be the one of {@code config}. */
        public Embedding bind(SentenceEncoder e) {
            if (!e.config().equals(config))
                throw new IllegalArgumentException("the encoder's configuration is not the step's: " + e.config());
            return new Embedding(column, model, weights, vocab, config, e);
        }

        @com.fasterxml.jackson.annotation.JsonProperty
        public String column() {
            return column;
        }

        /** What the DAG named (a model name or a directory), for people reading the transform. */
        @com.fasterxml.jackson.annotation.JsonProperty
        public String model() {
            return model;
        }

        /** The artifact of the model's safetensors weights. */
        @com.fasterxml.jackson.annotation.JsonProperty
        public String weights() {
            return weights;
        }

        /** The artifact of the model's vocab.txt. */
        @com.fasterxml.jackson.annotation.JsonProperty
        public String vocab() {
            return vocab;
        }

        @com.fasterxml.jackson.annotation.JsonProperty
        public EncoderConfig config() {
            return config;
        }

        public void apply(Map<String, Object> row) {
            applyAll(java.util.Collections.singletonList(row));
        }

        @Override
        public void applyAll(List<Map<String, Object>> rows) {
            if (encoder == null)
                throw new IllegalStateException("the embedding model of column " + column
                        + " is not loaded: load the transform with FittedTransform.withEncoders");
            List<String> texts = new ArrayList<>(rows.size());
            for (Map<String, Object> r : rows) {
                Object v = r.remove(column);
                texts.add(v == null ? "" : v.toString());
            }
            float[][] e = encoder.encode(texts);
            String[] names = names();
            for (int i = 0; i < rows.size(); i++) {
                Map<String, Object> r = rows.get(i);
                for (int j = 0; j < names.length; j++) r.put(names[j], (double) e[i][j]);
            }
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            List<Column> out = new ArrayList<>(
                    in.columns().stream().filter(c -> !c.name().equals(column)).toList());
            for (String n : names()) out.add(new Column(n, ColumnType.NUMBER));
            return new DatasetSchema(out);
        }

        private String[] names() {
            String[] n = new String[config.hidden()];
            for (int j = 0; j < n.length; j++) n[j] = column + "#e" + j;
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Embedding e
                    && e.column.equals(column)
                    && java.util.Objects.equals(e.model, model)
                    && e.weights.equals(weights)
                    && e.vocab.equals(vocab)
                    && e.config.equals(config);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(column, weights, vocab, config);
        }

        @Override
        public String toString() {
            return "Embedding[" + column + ", " + model + ", " + weights + "]";
        }
    }

    /**
     * Keeps exactly these columns: the transform's output contract. Consumers read features by name, so this only
     * drops extra keys, which is much cheaper per row than rebuilding the map in order.
     */
    final class Select implements Step {
        private final List<Column> columns;
        private final java.util.Set<String> names;

        @com.fasterxml.jackson.annotation.JsonCreator
        public Select(@com.fasterxml.jackson.annotation.JsonProperty("columns") List<Column> columns) {
            this.columns = List.copyOf(columns);
            this.names =
                    new java.util.HashSet<>(columns.stream().map(Column::name).toList());
        }

        @com.fasterxml.jackson.annotation.JsonProperty
        public List<Column> columns() {
            return columns;
        }

        public void apply(Map<String, Object> row) {
            // Steps build exactly the declared output, so equal sizes mean equal keys; absent keys read as null.
            if (row.size() != names.size()) row.keySet().retainAll(names);
        }

        public DatasetSchema outputSchema(DatasetSchema in) {
            return new DatasetSchema(columns);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Select s && s.columns.equals(columns);
        }

        @Override
        public int hashCode() {
            return columns.hashCode();
        }
    }

    private static Double num(Object v) {
        if (v == null) return null;
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("expected a number, got \"" + v + "\"");
    }

    private static DatasetSchema add(DatasetSchema in, String name) {
        List<Column> out = new ArrayList<>(in.columns());
        out.add(new Column(name, ColumnType.NUMBER));
        return new DatasetSchema(out);
    }

    private static DatasetSchema retype(DatasetSchema in, String name, ColumnType type) {
        return new DatasetSchema(in.columns().stream()
                .map(c -> c.name().equals(name) ? new Column(name, type) : c)
                .toList());
    }
}
