package dev.sluice.ml.bench;

import dev.sluice.ml.AdultData;
import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.task.EvaluateTask;
import dev.sluice.ml.task.IngestTask;
import dev.sluice.ml.task.PreprocessTask;
import dev.sluice.ml.task.TrainTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Not a unit test: UCI Adult on its ORIGINAL split (train on adult-train.csv, score adult-test.csv), to compare
 * with the scikit-learn reference scores in /work/shared/data/README.md (LR 0.905, HistGradientBoosting 0.927).
 */
public final class AdultBenchmark {
    public static void main(String[] args) throws Exception {
        Path home = Files.createTempDirectory("sluice-adult-bench");
        Map<String, Object> train = new IngestTask()
                .execute(AdultData.ingest("adult-train.csv", home).build())
                .output();
        Map<String, Object> test = new IngestTask()
                .execute(AdultData.ingest("adult-test.csv", home).build())
                .output();
        Map<String, Object> pre = new PreprocessTask()
                .execute(TestTaskContext.task("preprocess")
                        .home(home)
                        .config("train", train.get("dataset"))
                        .config("label", "income")
                        .build())
                .output();
        for (Map<String, Object> cfg : List.<Map<String, Object>>of(
                Map.of("algorithm", "logistic_regression", "l2", 1.0),
                Map.of(
                        "algorithm",
                        "xgboost",
                        "rounds",
                        300,
                        "params",
                        Map.of(
                                "max_depth",
                                5,
                                "eta",
                                0.08,
                                "subsample",
                                0.9,
                                "colsample_bytree",
                                0.9,
                                "min_child_weight",
                                2)),
                Map.of("algorithm", "random_forest"),
                Map.of(
                        "algorithm",
                        "xgboost",
                        "rounds",
                        150,
                        "search",
                        Map.of(
                                "method",
                                "random",
                                "trials",
                                8,
                                "folds",
                                5,
                                "params",
                                Map.of(
                                        "max_depth",
                                        List.of(3, 4, 5, 6, 8),
                                        "eta",
                                        Map.of("min", 0.03, "max", 0.3, "log", true),
                                        "min_child_weight",
                                        List.of(1, 2, 5)))))) {
            TestTaskContext.Builder b = TestTaskContext.task("train")
                    .home(home)
                    .upstream("preprocess", pre)
                    .config("label", "income")
                    .config("positive_class", ">50K")
                    .config("threads", Integer.getInteger("threads", 2));
            cfg.forEach(b::config);
            long t0 = System.nanoTime();
            Map<String, Object> model = new TrainTask().execute(b.build()).output();
            double fit = (System.nanoTime() - t0) / 1e9;
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) new EvaluateTask()
                    .execute(TestTaskContext.task("evaluate")
                            .home(home)
                            .upstream("train", model)
                            .config("dataset", test.get("dataset"))
                            .build())
                    .output()
                    .get("metrics");
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.4f | %.4f | %.4f | %.4f | %.1f s |%n",
                    cfg.get("algorithm"),
                    m.get("roc_auc"),
                    m.get("accuracy"),
                    m.get("f1"),
                    m.get("log_loss"),
                    fit);
            if (model.get("search") instanceof Map<?, ?> search) System.out.println("  search: " + search.get("best"));
        }
    }
}
