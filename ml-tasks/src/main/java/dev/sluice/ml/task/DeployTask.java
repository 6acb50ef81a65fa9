package dev.sluice.ml.task;

import dev.sluice.ml.Json;
import dev.sluice.ml.model.ModelBundle;
import dev.sluice.ml.model.RegisteredModels;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ml.deploy: registers the bundle as the next version of a named model (model + fitted transform + input schema +
 * metrics + lineage) and moves an alias, {@code champion} by default, onto it. Put it after ml.evaluate so a
 * failed gate stops it.
 */
public final class DeployTask extends MlTask {
    private static final List<ConfigField> FIELDS = with(List.of(
            ConfigField.required("model_name", FieldType.STRING, "Registered model name."),
            ConfigField.optional("bundle", FieldType.STRING, null, "Model bundle; default: upstream \"bundle\"."),
            ConfigField.optional(
                    "metrics",
                    FieldType.MAP,
                    null,
                    "Metrics to record; default: upstream \"metrics\" (ml.evaluate's)."),
            ConfigField.optional(
                    "alias", FieldType.STRING, RegisteredModels.CHAMPION, "Alias moved to the new version."),
            ConfigField.optional(
                    "description",
                    FieldType.STRING,
                    null,
                    "Model description, set when the model is first registered.")));

    @Override
    public String name() {
        return "ml.deploy";
    }

    @Override
    public String description() {
        return "Register a model version and move the champion alias to it.";
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        return cacheErrors(config);
    }

    @Override
    String notCacheable(Map<String, Object> config) {
        return "ml.deploy changes the model registry; it always runs";
    }

    @Override
    TaskResult run(TaskContext ctx) throws Exception {
        Cfg cfg = cfg(ctx);
        RegisteredModels registry = ctx.service(RegisteredModels.class)
                .orElseThrow(() -> new TaskFailedException(
                        "ml.deploy needs the model registry (application database), which is not available"));
        String name = cfg.str("model_name");
        String bundleRef = inputRef(ctx, cfg, "bundle", true);
        java.nio.file.Path bundleFile = store(ctx).localPath(bundleRef);
        ModelBundle bundle = Json.read(bundleFile, ModelBundle.class);
        Map<String, Object> metrics = cfg.has("metrics") ? cfg.map("metrics") : upstreamMetrics(ctx);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("dag_id", ctx.dagId());
        details.put("run_id", ctx.runId());
        details.put("run_key", ctx.runKey());
        details.put("attempt_key", ctx.attemptKey());
        details.put("model", bundle.modelRef());
        details.put("transform", bundle.transformRef());
        details.put("trained_on", bundle.trainedOn());
        details.put("trained_rows", bundle.trainedRows());
        details.put("params", bundle.params());
        details.put("seed", bundle.seed());
        // Callers of a multiclass model need its classes without loading the bundle.
        if (bundle.label().classes() != null)
            details.put("classes", bundle.label().classes());
        // A binary model's two classes as the training data named them (bundles of the first format know only the
        // positive one).
        if (bundle.label().negativeClass() != null) {
            details.put("positive_class", bundle.label().positiveClass());
            details.put("negative_class", bundle.label().negativeClass());
        }
        // What the model is: built by ml.train, or an ONNX graph from a framework of the user's choice.
        details.put("kind", bundle.kind());
        if (bundle.framework() != null) details.put("framework", bundle.framework());
        // The input columns the model does not use, and why: serving accepts and ignores them. An ONNX graph has
        // no transform of Sluice's.
        var dropped = bundle.transformRef() == null
                ? List.<dev.sluice.ml.transform.DroppedColumn>of()
                : dev.sluice.ml.transform.FittedTransform.load(store(ctx).localPath(bundle.transformRef()))
                        .dropped();
        if (!dropped.isEmpty())
            details.put(
                    "dropped_columns",
                    dropped.stream()
                            .map(dev.sluice.ml.transform.DroppedColumn::toMap)
                            .toList());
        String alias = cfg.str("alias");
        // A night that retrains to the very same bytes (same data, config and seed) is not a new model: the
        // registry keeps one version per distinct bundle behind the alias rather than a copy per run.
        var current = registry.byAlias(name, alias);
        if (current.isPresent() && current.get().bundleRef().equals(bundleRef)) {
            ctx.log()
                    .printf(
                            "%s already points %s at version %d with this bundle; nothing to register%n",
                            name, alias, current.get().version());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model_name", name);
            out.put("version", current.get().version());
            out.put("version_id", current.get().id());
            out.put("alias", alias);
            out.put("bundle", bundleRef);
            out.put("unchanged", true);
            return TaskResult.of(out);
        }
        RegisteredModels.Version v = registry.register(
                name,
                cfg.str("description", null),
                bundleRef,
                bundle.algorithm(),
                bundle.problem().lower(),
                bundle.inputSchema().toMap(),
                metrics,
                details);
        registry.setAlias(name, alias, v.version(), "deployed by " + ctx.dagId() + "/" + ctx.runId());
        ctx.log().printf("registered %s version %d and moved %s to it%n", name, v.version(), alias);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model_name", name);
        out.put("version", v.version());
        out.put("version_id", v.id());
        out.put("alias", alias);
        out.put("bundle", bundleRef);
        return TaskResult.of(out);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> upstreamMetrics(TaskContext ctx) {
        for (Map<String, Object> o : ctx.upstreamOutputs().values()) {
            if (o != null && o.get("metrics") instanceof Map<?, ?> m && o.containsKey("report"))
                return (Map<String, Object>) m;
        }
        return Map.of();
    }
}
