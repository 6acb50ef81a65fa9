package dev.sluice.ml;

import dev.sluice.ml.task.DeployTask;
import dev.sluice.ml.task.EvaluateTask;
import dev.sluice.ml.task.FeatureTask;
import dev.sluice.ml.task.IngestTask;
import dev.sluice.ml.task.PreprocessTask;
import dev.sluice.ml.task.SplitTask;
import dev.sluice.ml.task.TrainTask;
import dev.sluice.ml.task.ValidateDataTask;
import dev.sluice.task.TaskType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Runs the example DAG's chain of task types on UCI Adult the way the engine would: each task gets its config
 * (templates already rendered into artifact references) and its direct upstream outputs.
 */
public final class AdultPipeline {
    public final Path home;
    public final DataSource ds;
    public final Map<String, Map<String, Object>> outputs = new LinkedHashMap<>();

    public AdultPipeline(Path home, DataSource ds) {
        this.home = home;
        this.ds = ds;
    }

    public Map<String, Object> run(TaskType type, String id, Map<String, Object> config, String... upstream)
            throws Exception {
        TestTaskContext.Builder b = TestTaskContext.task(id)
                .home(home)
                .dagDirectory(AdultData.dir())
                .service(DataSource.class, ds);
        config.forEach(b::config);
        for (String u : upstream) b.upstream(u, outputs.get(u));
        Map<String, Object> out = type.execute(b.build()).output();
        outputs.put(id, out);
        return out;
    }

    /** ingest → validate_data → split → preprocess → feature, the data half of the DAG. */
    public void prepare() throws Exception {
        Map<String, Object> ingest = new LinkedHashMap<>(
                AdultData.ingest("adult-train.csv", home).build().config());
        run(new IngestTask(), "ingest", ingest);
        run(
                new ValidateDataTask(),
                "validate",
                Map.of(
                        "columns", Map.of("age", "number", "income", "string"),
                        "max_null_ratio", Map.of("*", 0.1),
                        "ranges", Map.of("age", Map.of("min", 16, "max", 100)),
                        "allowed", Map.of("income", List.of("<=50K", ">50K")),
                        "min_rows", 10_000),
                "ingest");
        run(
                new SplitTask(),
                "split",
                Map.of("method", "stratified", "stratify_column", "income", "seed", 7),
                "validate");
        run(
                new PreprocessTask(),
                "preprocess",
                Map.of(
                        "label",
                        "income",
                        "outliers",
                        "quantile",
                        "scaling",
                        "standard",
                        "passthrough",
                        List.of("native_country")),
                "split");
        run(
                new FeatureTask(),
                "feature",
                Map.of(
                        "label",
                        "income",
                        "interactions",
                        List.of(List.of("age", "hours_per_week")),
                        "log",
                        List.of("capital_gain"),
                        "bins",
                        Map.of("age", 5),
                        "hash",
                        Map.of("native_country", 8)),
                "preprocess");
    }

    public Map<String, Object> train(String id, Map<String, Object> extra) throws Exception {
        Map<String, Object> cfg =
                new LinkedHashMap<>(Map.of("label", "income", "positive_class", ">50K", "rounds", 60, "threads", 2));
        cfg.putAll(extra);
        return run(new TrainTask(), id, cfg, "feature");
    }

    public Map<String, Object> evaluate(String id, String trainId, Map<String, Object> extra) throws Exception {
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of(
                "dataset",
                outputs.get("split").get("test"),
                "min",
                Map.of("roc_auc", 0.80),
                "model_name",
                "adult_income"));
        cfg.putAll(extra);
        return run(new EvaluateTask(), id, cfg, trainId);
    }

    public Map<String, Object> deploy(String id, String evaluateId) throws Exception {
        return run(new DeployTask(), id, Map.of("model_name", "adult_income"), evaluateId);
    }
}
