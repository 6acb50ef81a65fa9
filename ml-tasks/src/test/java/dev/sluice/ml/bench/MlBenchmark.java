package dev.sluice.ml.bench;

import dev.sluice.ml.Json;
import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.task.EvaluateTask;
import dev.sluice.ml.task.IngestTask;
import dev.sluice.ml.task.PreprocessTask;
import dev.sluice.ml.task.SplitTask;
import dev.sluice.ml.task.TrainTask;
import dev.sluice.task.TaskType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Not a unit test: times the ML task types on a generated table (default 1,000,000 rows x 23 columns: 20 numeric,
 * one with 1 % missing, and 3 categorical) and runs scikit-learn on the same CSV for comparison. Prints a
 * Markdown table. See BENCHMARKS.md (section 4) for the command and results.
 *
 * <p>Args: [rows] [work dir] [python]. Both sides use 2 threads.
 */
public final class MlBenchmark {
    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        Path work = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("sluice-ml-bench");
        String python = args.length > 2 ? args[2] : "/usr/bin/python3";
        Files.createDirectories(work);
        Path csv = work.resolve("bench.csv");
        generate(csv, rows);
        System.out.printf("generated %,d rows into %s (%,d bytes)%n", rows, csv, Files.size(csv));

        Path home = work.resolve("home");
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Map<String, Object>> outputs = new LinkedHashMap<>();
        time(
                results,
                "ingest_s",
                outputs,
                "ingest",
                new IngestTask(),
                Map.of("path", csv.toString(), "null_values", List.of("NaN")),
                home);
        time(
                results,
                "split_s",
                outputs,
                "split",
                new SplitTask(),
                Map.of("train_ratio", 0.8, "validation_ratio", 0, "seed", 42),
                home,
                "ingest");
        time(
                results,
                "preprocess_s",
                outputs,
                "preprocess",
                new PreprocessTask(),
                Map.of("label", "label"),
                home,
                "split");
        Map<String, Object> train =
                Map.of("label", "label", "rounds", 100, "params", Map.of("max_depth", 6, "eta", 0.1), "threads", 2);
        time(results, "gbt_fit_s", outputs, "train_gbt", new TrainTask(), train, home, "preprocess");
        Map<String, Object> eval = Map.of("dataset", outputs.get("split").get("test"));
        time(results, "gbt_eval_s", outputs, "eval_gbt", new EvaluateTask(), eval, home, "train_gbt");
        results.put("gbt_roc_auc", metric(outputs.get("eval_gbt")));
        time(
                results,
                "lr_fit_s",
                outputs,
                "train_lr",
                new TrainTask(),
                Map.of("label", "label", "algorithm", "logistic_regression"),
                home,
                "preprocess");
        time(results, "lr_eval_s", outputs, "eval_lr", new EvaluateTask(), eval, home, "train_lr");
        results.put("lr_roc_auc", metric(outputs.get("eval_lr")));
        results.put("features", outputs.get("preprocess").get("features"));
        results.put("peak_rss_mb", peakRssMb());

        System.out.println("sluice: " + Json.MAPPER.writeValueAsString(results));
        ProcessBuilder pb = new ProcessBuilder(
                        python,
                        Path.of("ml-tasks/bench/sklearn_bench.py")
                                .toAbsolutePath()
                                .toString(),
                        csv.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("OMP_NUM_THREADS", "2"); // same thread budget as the Java side
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) throw new IllegalStateException("scikit-learn benchmark failed");
        Map<String, Object> sk = Json.readMap(out.substring(out.lastIndexOf('\n') + 1));
        System.out.println("sklearn: " + out);

        System.out.printf(
                Locale.ROOT,
                "%n| stage | Sluice ml-tasks wall (cpu) | scikit-learn %s wall (cpu) |%n|---|---:|---:|%n",
                "1.2.1");
        row("load CSV (Sluice: ingest to Parquet)", results, sk, "ingest_s", "load_s");
        row("split 80/20", results, sk, "split_s", "split_s");
        row(
                "preprocess fit + apply (median impute, standard scale, one-hot)",
                results,
                sk,
                "preprocess_s",
                "preprocess_s");
        row(
                "gradient boosting fit, 100 rounds depth 6 (XGBoost hist / HistGradientBoosting)",
                results,
                sk,
                "gbt_fit_s",
                "gbt_fit_s");
        row("gradient boosting evaluate on test (Sluice from raw rows)", results, sk, "gbt_eval_s", "gbt_eval_s");
        row("logistic regression fit (Newton-IRLS / lbfgs)", results, sk, "lr_fit_s", "lr_fit_s");
        row("logistic regression evaluate", results, sk, "lr_eval_s", "lr_eval_s");
        System.out.printf(
                Locale.ROOT, "| GBT test ROC-AUC | %.4f | %.4f |%n", results.get("gbt_roc_auc"), sk.get("gbt_roc_auc"));
        System.out.printf(
                Locale.ROOT, "| LR test ROC-AUC | %.4f | %.4f |%n", results.get("lr_roc_auc"), sk.get("lr_roc_auc"));
        System.out.printf(
                Locale.ROOT,
                "| features after preprocessing | %s | %s |%n",
                results.get("features"),
                sk.get("features"));
        System.out.printf(
                Locale.ROOT, "| peak RSS (MB) | %.0f | %.0f |%n", results.get("peak_rss_mb"), sk.get("peak_rss_mb"));
    }

    private static void row(String name, Map<String, Object> a, Map<String, Object> b, String ka, String kb) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %.2f s (%.2f) | %.2f s (%.2f) |%n",
                name,
                d(a.get(ka)),
                d(a.get(ka.replace("_s", "_cpu_s"))),
                d(b.get(kb)),
                d(b.get(kb.replace("_s", "_cpu_s"))));
    }

    private static double d(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }

    private static void time(
            Map<String, Object> results,
            String key,
            Map<String, Map<String, Object>> outputs,
            String id,
            TaskType type,
            Map<String, Object> config,
            Path home,
            String... upstream)
            throws Exception {
        TestTaskContext.Builder b = TestTaskContext.task(id).home(home);
        config.forEach(b::config);
        if (!config.containsKey("threads")) b.config("threads", 2);
        for (String u : upstream) b.upstream(u, outputs.get(u));
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        outputs.put(id, type.execute(b.build()).output());
        double s = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - c0) / 1e9;
        results.put(key, s);
        results.put(key.replace("_s", "_cpu_s"), cpu);
        System.out.printf(Locale.ROOT, "%-10s %.2f s wall, %.2f s cpu%n", id, s, cpu);
    }

    @SuppressWarnings("unchecked")
    private static double metric(Map<String, Object> evalOutput) {
        return ((Number) ((Map<String, Object>) evalOutput.get("metrics")).get("roc_auc")).doubleValue();
    }

    private static double peakRssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
        return Double.NaN;
    }

    /**
     * A deterministic synthetic table written by DuckDB: uniform values from hash(row, column), a label drawn from
     * a logistic model with an interaction and category effects, so trees have something linear models miss.
     */
    static void generate(Path csv, long rows) throws Exception {
        try (DuckDb db = DuckDb.open(csv.getParent(), "2GB", 2)) {
            List<String> cols = new ArrayList<>();
            for (int k = 1; k <= 20; k++) {
                String u = "((hash(i, " + k + ") % 1000003) / 1000003.0 - 0.5) * " + k;
                cols.add(
                        k == 3
                                ? "CASE WHEN hash(i, 50) % 100 = 0 THEN NULL ELSE " + u + " END AS x3"
                                : u + " AS x" + k);
            }
            cols.add("'a' || (hash(i, 21) % 5) AS c1");
            cols.add("'b' || (hash(i, 22) % 10) AS c2");
            cols.add("'c' || (hash(i, 23) % 20) AS c3");
            String base = "SELECT i, " + String.join(", ", cols) + " FROM range(" + rows + ") t(i)";
            String logit = "4 * x1 - 1.5 * x2 + 0.6 * coalesce(x3, 0) + 0.3 * x4 + 6 * x1 * x2 + "
                    + "CASE c1 WHEN 'a0' THEN 1.0 WHEN 'a1' THEN -0.8 ELSE 0 END + CASE WHEN c3 IN ('c1', 'c2', 'c3') THEN 0.7 ELSE 0 END + sin(x5)";
            String sql =
                    "SELECT * EXCLUDE (i, z), CASE WHEN (hash(i, 99) % 1000003) / 1000003.0 < 1 / (1 + exp(-z)) THEN 1 ELSE 0 END AS label "
                            + "FROM (SELECT *, " + logit + " AS z FROM (" + base + "))";
            db.exec("COPY (" + sql + ") TO " + DuckDb.literal(csv.toString()) + " (FORMAT csv, HEADER, NULLSTR 'NaN')");
        }
    }
}
