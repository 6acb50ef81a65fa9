package dev.sluice.ml.api;

// The artifact lineage and experiments are ml-tasks' tables, read here to show what trained a version.
import static dev.sluice.ml.db.jooq.Tables.ARTIFACT;
import static dev.sluice.ml.db.jooq.Tables.ARTIFACT_LINEAGE;
import static dev.sluice.ml.db.jooq.Tables.ML_EXPERIMENT_RUN;
import static dev.sluice.ml.registry.db.jooq.Tables.MODEL;
import static dev.sluice.ml.registry.db.jooq.Tables.MODEL_ALIAS;
import static dev.sluice.ml.registry.db.jooq.Tables.MODEL_VERSION;

import dev.sluice.ml.registry.ModelNotFoundException;
import dev.sluice.ml.registry.ModelRegistry;
import dev.sluice.ml.registry.ModelVersion;
import dev.sluice.store.Json;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Read views of the model registry. Versions and aliases come from ModelRegistry, so the API shows
 * exactly what the tasks registered; only "when did this model last change" is asked of the tables directly,
 * because the registry has no such notion.
 */
public final class ModelQueries {
    private final ModelRegistry registry;
    private final DSLContext dsl;

    public ModelQueries(ModelRegistry registry, DSLContext dsl) {
        this.registry = registry;
        this.dsl = dsl;
    }

    public record ModelSummary(
            String name, String description, int latestVersion, Integer championVersion, Instant updatedAt) {}

    /**
     * One version. {@code metrics} are what ml.deploy registered (ml.evaluate's, on the test split); {@code params}
     * and {@code loggedMetrics} what the attempt that produced the bundle logged (ml.train or a python task's
     * {@code sluice.log_params}/{@code log_metrics}), {@code trainTask} naming that task. Versions whose training
     * logged nothing (or whose experiment is gone) show the bundle's own params and no logged metrics.
     */
    public record VersionView(
            int version,
            Instant createdAt,
            Map<String, Object> metrics,
            List<String> aliases,
            String runId,
            String dagId,
            String kind,
            String framework,
            String algorithm,
            String problem,
            String bundle,
            Map<String, Object> inputSchema,
            List<String> classes,
            Map<String, Object> params,
            Map<String, Object> loggedMetrics,
            String trainTask) {}

    /** What {@code kind} says: a model Sluice trained, or an ONNX graph from any framework. */
    public static final String BUILTIN = "builtin";

    public static final String ONNX = "onnx";
    /** The framework of every built-in model. */
    public static final String SLUICE = "sluice";

    /** The params and metrics one attempt logged (an ml_experiment_run row of stage train). */
    private record Logged(String taskId, Map<String, Object> params, Map<String, Object> metrics) {}

    public List<ModelSummary> models() {
        Map<String, Instant> updated = updatedAt();
        return registry.models().stream()
                .map(m -> new ModelSummary(
                        m.name(),
                        m.description(),
                        m.latestVersion(),
                        m.aliases().get(ModelRegistry.CHAMPION),
                        updated.get(m.name())))
                .toList();
    }

    /** Newest first. A model exists only with a version (the registry inserts both at once), so none is a 404. */
    public List<VersionView> versions(String name) {
        List<ModelVersion> versions = registry.versions(name);
        if (versions.isEmpty()) throw new ModelNotFoundException("no model " + name);
        Map<Long, List<String>> aliases = new HashMap<>();
        dsl.select(MODEL_ALIAS.VERSION_ID, MODEL_ALIAS.ALIAS)
                .from(MODEL_ALIAS)
                .where(MODEL_ALIAS.MODEL_NAME.eq(name))
                .orderBy(MODEL_ALIAS.ALIAS)
                .forEach(r -> aliases.computeIfAbsent(r.value1(), k -> new ArrayList<>())
                        .add(r.value2()));
        Map<String, Logged> logged = loggedByProducer(versions);
        return versions.stream()
                .map(v -> view(v, aliases.getOrDefault(v.id(), List.of()), logged.get(v.bundleRef())))
                .toList();
    }

    public VersionView version(String name, int version) {
        return versions(name).stream()
                .filter(v -> v.version() == version)
                .findFirst()
                .orElseThrow(() -> new ModelNotFoundException("model " + name + " has no version " + version));
    }

    private static VersionView view(ModelVersion v, List<String> aliases, Logged logged) {
        // Read from the algorithm the bundle declares ("onnx" for a graph brought from outside), so versions
        // registered before ONNX bundles existed are built-in without any migration.
        boolean onnx = ONNX.equals(v.algorithm());
        Map<String, Object> params =
                logged != null ? logged.params() : map(v.details().get("params"));
        return new VersionView(
                v.version(),
                v.createdAt().toInstant(),
                v.metrics(),
                aliases,
                text(v.details().get("run_id")),
                text(v.details().get("dag_id")),
                onnx ? ONNX : BUILTIN,
                onnx ? text(v.details().get("framework")) : SLUICE,
                v.algorithm(),
                v.problem(),
                v.bundleRef(),
                v.inputSchema(),
                v.classes(),
                params,
                logged != null ? logged.metrics() : Map.of(),
                logged != null ? logged.taskId() : null);
    }

    /**
     * The experiment of the attempt that produced each version's bundle, by bundle ref, in one query: the same
     * lookup for ml.train and python tasks, since both record the bundle as an artifact they produced and their
     * params/metrics as a train experiment of that attempt. A result-cache hit copies the lineage but logs no
     * experiment, so the join lands on the attempt that really trained; of several, the newest wins.
     */
    private Map<String, Logged> loggedByProducer(List<ModelVersion> versions) {
        List<String> hashes = versions.stream()
                .map(v -> v.bundleRef().substring("sha256:".length()))
                .distinct()
                .toList();
        var e = ML_EXPERIMENT_RUN;
        Map<String, Logged> out = new HashMap<>();
        dsl.select(ARTIFACT.HASH, e.TASK_ID, e.PARAMS, e.METRICS)
                .from(ARTIFACT_LINEAGE)
                .join(ARTIFACT)
                .on(ARTIFACT.ID.eq(ARTIFACT_LINEAGE.ARTIFACT_ID))
                .join(e)
                .on(e.ATTEMPT_ID.eq(ARTIFACT_LINEAGE.ATTEMPT_ID))
                .where(
                        ARTIFACT.HASH.in(hashes),
                        ARTIFACT_LINEAGE.DIRECTION.eq("produced"),
                        e.STAGE.in("train", "python"))
                .orderBy(e.CREATED_AT.desc(), e.ID.desc())
                .forEach(r -> out.putIfAbsent(
                        "sha256:" + r.value1(), new Logged(r.value2(), Json.map(r.value3()), Json.map(r.value4()))));
        return out;
    }

    /** Last change of each model: its creation, a new version or an alias move, whichever is latest. */
    private Map<String, Instant> updatedAt() {
        var versions = DSL.select(MODEL_VERSION.MODEL_NAME.as("n"), MODEL_VERSION.CREATED_AT.as("t"))
                .from(MODEL_VERSION);
        var aliases = DSL.select(MODEL_ALIAS.MODEL_NAME, MODEL_ALIAS.UPDATED_AT).from(MODEL_ALIAS);
        var models = DSL.select(MODEL.NAME, MODEL.CREATED_AT).from(MODEL);
        var all = versions.unionAll(aliases).unionAll(models).asTable("c");
        var n = all.field("n", String.class);
        var t = all.field("t", OffsetDateTime.class);
        Map<String, Instant> out = new HashMap<>();
        dsl.select(n, DSL.max(t))
                .from(all)
                .groupBy(n)
                .forEach(r -> out.put(r.value1(), r.value2().toInstant()));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }
}
