package dev.sluice.ml.tuning;

import dev.sluice.ml.model.Metrics;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.model.Trainer;
import dev.sluice.template.TemplateRenderer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * ml.train's {@code search}: which hyperparameters to try, how (every combination, or a seeded sample), and how
 * candidates are compared (k-fold cross-validation on one metric). Hyperparameters are taken in name order, so
 * the candidates, hence the chosen model, do not depend on how the config's mapping was ordered.
 *
 * @param space     hyperparameter name → values to try
 * @param trials    candidates drawn by method random
 * @param maxFits   most cross-validation fits (candidates × folds) a search may take
 */
public record SearchSpec(
        Method method, SortedMap<String, Domain> space, int trials, int folds, String metric, int maxFits) {
    public static final int DEFAULT_TRIALS = 10;
    public static final int DEFAULT_FOLDS = 5;
    public static final int DEFAULT_MAX_FITS = 200;
    private static final List<String> SETTINGS = List.of("method", "params", "trials", "folds", "metric", "max_fits");

    public enum Method {
        GRID,
        RANDOM
    }

    /** The values one hyperparameter may take. */
    public sealed interface Domain permits Choices, Range {
        /** How many distinct values; Long.MAX_VALUE for a continuous range. */
        long size();
    }

    /** Listed values, tried in list order. */
    public record Choices(List<Object> values) implements Domain {
        public Choices {
            values = List.copyOf(values);
        }

        @Override
        public long size() {
            return values.size();
        }
    }

    /**
     * {@code {min, max}} (both ends included), sampled uniformly or, with {@code log: true}, uniformly in the
     * logarithm; whole numbers when both ends are written as whole numbers.
     */
    public record Range(double min, double max, boolean log, boolean whole) implements Domain {
        @Override
        public long size() {
            return whole ? (long) max - (long) min + 1 : Long.MAX_VALUE;
        }

        Object sample(Random random) {
            if (whole && !log) return (long) min + random.nextInt((int) ((long) max - (long) min + 1));
            double u = random.nextDouble();
            double v = log ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
            if (whole) return Math.min((long) max, Math.max((long) min, Math.round(v)));
            // Four significant digits: a reader compares eta 0.07344 with 0.1, not 0.0734412973...
            return Math.min(
                    max,
                    Math.max(min, new BigDecimal(v).round(new MathContext(4)).doubleValue()));
        }

        Object at(long i) {
            return (long) min + i;
        }
    }

    public SearchSpec {
        space = Collections.unmodifiableSortedMap(new TreeMap<>(space));
    }

    /** grid or random, as the config spells it. */
    public String methodName() {
        return method.name().toLowerCase(Locale.ROOT);
    }

    public boolean lowerIsBetter() {
        return Metrics.LOWER_IS_BETTER.contains(metric);
    }

    /** The problem's usual metric: the one ml.evaluate compares champions on. */
    public static String defaultMetric(Problem problem) {
        return problem.championMetric();
    }

    /** How many candidates the search tries (for random over ranges, at most this many). */
    public long candidates() {
        long grid = gridSize();
        return method == Method.GRID ? grid : Math.min(trials, grid);
    }

    /** Cross-validation fits the search takes: candidates × folds (the final refit not counted). */
    public long fits() {
        long c = candidates();
        return c > Long.MAX_VALUE / folds ? Long.MAX_VALUE : c * folds;
    }

    private long gridSize() {
        long n = 1;
        for (Domain d : space.values()) {
            long s = d.size();
            if (s != 0 && n > Long.MAX_VALUE / s) return Long.MAX_VALUE;
            n *= s;
        }
        return n;
    }

    /**
     * The candidates in a fixed order: for grid every combination, the last name (in name order) changing
     * fastest; for random {@code trials} distinct combinations drawn with {@code seed} (the whole grid, in grid
     * order, when it has no more than {@code trials}).
     */
    public List<Map<String, Object>> candidateList(long seed) {
        long grid = gridSize();
        if (method == Method.GRID || grid <= trials) {
            List<Map<String, Object>> all = new ArrayList<>();
            for (long i = 0; i < grid; i++) all.add(combination(i));
            return all;
        }
        Random random = new Random(seed);
        Set<Map<String, Object>> drawn = new LinkedHashSet<>();
        // Bounded: a narrow whole-number range may hold fewer distinct combinations than the draws hit quickly.
        for (int attempt = 0; drawn.size() < trials && attempt < trials * 100; attempt++) {
            Map<String, Object> c = new LinkedHashMap<>();
            for (Map.Entry<String, Domain> e : space.entrySet()) {
                c.put(
                        e.getKey(),
                        switch (e.getValue()) {
                            case Choices ch ->
                                ch.values().get(random.nextInt(ch.values().size()));
                            case Range r -> r.sample(random);
                        });
            }
            drawn.add(c);
        }
        return List.copyOf(drawn);
    }

    /** The i-th combination of the grid, read as a mixed-radix number whose last digit is the last name. */
    private Map<String, Object> combination(long i) {
        List<String> names = new ArrayList<>(space.keySet());
        Object[] values = new Object[names.size()];
        for (int k = names.size() - 1; k >= 0; k--) {
            Domain d = space.get(names.get(k));
            long digit = i % d.size();
            i /= d.size();
            values[k] = switch (d) {
                case Choices ch -> ch.values().get((int) digit);
                case Range r -> r.at(digit);
            };
        }
        Map<String, Object> c = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) c.put(names.get(k), values[k]);
        return c;
    }

    /**
     * Reads {@code search} from ml.train's config for {@code algorithm} and {@code problem} (null when the
     * problem is not known yet). Every error names its field and goes to {@code errors}. Null when there are
     * errors, or when a value is still a template (checked again once rendered).
     */
    public static SearchSpec parse(Object raw, Problem problem, String algorithm, List<String> errors) {
        Reader r = new Reader(errors);
        if (!(raw instanceof Map<?, ?> config)) {
            errors.add(
                    "search must be a mapping with method and params, e.g. {method: grid, params: {max_depth: [3, 5]}}");
            return null;
        }
        for (Object key : config.keySet()) {
            if (!SETTINGS.contains(String.valueOf(key))) {
                errors.add("search." + key + " is not a search setting; expected " + String.join(", ", SETTINGS));
            }
        }
        Method method = Method.GRID;
        Object m = config.get("method");
        if (m != null && !r.pending(m)) {
            switch (String.valueOf(m)) {
                case "grid" -> method = Method.GRID;
                case "random" -> method = Method.RANDOM;
                default -> errors.add("search.method must be grid or random, got \"" + m + "\"");
            }
        }
        int folds = r.whole("search.folds", config.get("folds"), DEFAULT_FOLDS, 2, "must be at least 2");
        int maxFits = r.whole("search.max_fits", config.get("max_fits"), DEFAULT_MAX_FITS, 1, "must be at least 1");
        int trials = DEFAULT_TRIALS;
        if (config.get("trials") != null) {
            if (method == Method.GRID) {
                errors.add("search.trials is for method: random; method: grid tries every combination");
            } else {
                trials = r.whole("search.trials", config.get("trials"), DEFAULT_TRIALS, 1, "must be at least 1");
            }
        }
        String metric = problem == null ? null : defaultMetric(problem);
        Object mt = config.get("metric");
        if (mt != null && !r.pending(mt)) {
            metric = String.valueOf(mt);
            if (problem != null && !Metrics.names(problem).contains(metric)) {
                errors.add("search.metric must be one of " + Metrics.names(problem) + " for problem: " + problem.lower()
                        + ", got \"" + metric + "\"");
            }
        }
        SortedMap<String, Domain> space = new TreeMap<>();
        Object params = config.get("params");
        if (!(params instanceof Map<?, ?> p) || p.isEmpty()) {
            errors.add("search.params must map hyperparameters to the values to try, e.g. {max_depth: [3, 5, 7]}");
        } else {
            for (Map.Entry<?, ?> e : p.entrySet()) {
                String name = String.valueOf(e.getKey());
                Domain d = r.domain(name, e.getValue(), method, algorithm);
                if (d != null) space.put(name, d);
            }
        }
        if (!errors.isEmpty() || r.pending) return null;
        SearchSpec spec = new SearchSpec(method, space, trials, folds, metric, maxFits);
        if (spec.fits() > maxFits) {
            errors.add("search needs " + (spec.fits() == Long.MAX_VALUE ? "too many" : String.valueOf(spec.fits()))
                    + " fits ("
                    + spec.candidates() + " candidates × " + folds + " folds), more than search.max_fits (" + maxFits
                    + "): try fewer values" + (method == Method.RANDOM ? ", fewer search.trials" : " or method: random")
                    + ", fewer search.folds, or raise search.max_fits");
            return null;
        }
        return spec;
    }

    /** Typed reads that note a still-unrendered template instead of failing on it. */
    private static final class Reader {
        private final List<String> errors;
        private boolean pending;

        Reader(List<String> errors) {
            this.errors = errors;
        }

        boolean pending(Object v) {
            if (v instanceof String s && TemplateRenderer.isTemplate(s)) {
                pending = true;
                return true;
            }
            return false;
        }

        int whole(String field, Object v, int dflt, int min, String rule) {
            if (v == null || pending(v)) return dflt;
            Number n = number(v);
            if (n == null || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() > Integer.MAX_VALUE) {
                errors.add(field + " must be a whole number, got \"" + v + "\"");
                return dflt;
            }
            if (n.doubleValue() < min) {
                errors.add(field + " " + rule + ", got " + v);
                return dflt;
            }
            return n.intValue();
        }

        Domain domain(String name, Object v, Method method, String algorithm) {
            String field = "search.params." + name;
            String why = algorithm == null ? null : Trainer.notSearchable(algorithm, name);
            if (why != null) {
                errors.add(field + " cannot be searched for algorithm: " + algorithm + ": " + why);
                return null;
            }
            if (v instanceof List<?> list) {
                if (list.isEmpty()) {
                    errors.add(field + " must be a non-empty list");
                    return null;
                }
                List<Object> values = new ArrayList<>();
                for (Object item : list) {
                    if (pending(item)) continue;
                    Object value = value(field, name, item);
                    if (value == null) return null;
                    if (values.contains(value)) {
                        errors.add(field + " lists " + item + " twice");
                        return null;
                    }
                    values.add(value);
                }
                return values.isEmpty() ? null : new Choices(values);
            }
            if (v instanceof Map<?, ?> range) return range(field, name, range, method);
            errors.add(field + " must be a non-empty list" + (method == Method.RANDOM ? " or a {min, max} range" : "")
                    + ", got " + v);
            return null;
        }

        /** A listed value: rounds and trees whole numbers of at least 1, l2 a number of at least 0; text may be a number. */
        private Object value(String field, String name, Object item) {
            if (item == null || item instanceof Map || item instanceof List) {
                errors.add(field + " values must be numbers or text, got " + item);
                return null;
            }
            Number n = number(item);
            boolean whole = name.equals("rounds") || name.equals("trees");
            if (whole && (n == null || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1)) {
                errors.add(field + " values must be whole numbers of at least 1, got " + item);
                return null;
            }
            if (name.equals("l2") && (n == null || !(n.doubleValue() >= 0))) {
                errors.add(field + " values must be numbers of at least 0, got " + item);
                return null;
            }
            if (whole) return n.intValue();
            return n != null ? n : item;
        }

        private Domain range(String field, String name, Map<?, ?> range, Method method) {
            if (method != Method.RANDOM) {
                errors.add(field + ": a {min, max} range can only be sampled: use method: random, or list the values");
                return null;
            }
            for (Object k : range.keySet()) {
                if (!List.of("min", "max", "log").contains(String.valueOf(k))) {
                    errors.add(field + "." + k + " is not a range setting; expected min, max, log");
                    return null;
                }
            }
            Object lo = range.get("min");
            Object hi = range.get("max");
            Object lg = range.get("log");
            if (pending(lo) || pending(hi) || pending(lg)) return null;
            Number min = number(lo);
            Number max = number(hi);
            if (min == null || max == null) {
                errors.add(field + " needs numbers min and max, got " + range);
                return null;
            }
            if (!(min.doubleValue() < max.doubleValue())) {
                errors.add(field + ".min must be below " + field + ".max, got " + min + " and " + max);
                return null;
            }
            boolean log = false;
            if (lg != null) {
                if (!(lg instanceof Boolean) && !List.of("true", "false").contains(String.valueOf(lg))) {
                    errors.add(field + ".log must be true or false, got " + lg);
                    return null;
                }
                log = Boolean.parseBoolean(String.valueOf(lg));
            }
            if (log && min.doubleValue() <= 0) {
                errors.add(field + ".min must be above 0 for log: true, got " + min);
                return null;
            }
            boolean whole = isWhole(min) && isWhole(max);
            if ((name.equals("rounds") || name.equals("trees")) && (!whole || min.doubleValue() < 1)) {
                errors.add(field + " must range over whole numbers of at least 1, got " + range);
                return null;
            }
            if (name.equals("l2") && min.doubleValue() < 0) {
                errors.add(field + ".min must be at least 0, got " + min);
                return null;
            }
            if (whole && max.doubleValue() - min.doubleValue() >= Integer.MAX_VALUE) {
                errors.add(field + " is too wide a range of whole numbers");
                return null;
            }
            return new Range(min.doubleValue(), max.doubleValue(), log, whole);
        }

        private static boolean isWhole(Number n) {
            return n instanceof Integer || n instanceof Long;
        }
    }

    /** A number, or text holding one (rendered templates are text); null otherwise. */
    static Number number(Object v) {
        if (v instanceof Number n) return n;
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                try {
                    return Double.parseDouble(s.trim());
                } catch (NumberFormatException e2) {
                    return null;
                }
            }
        }
        return null;
    }
}
