package dev.sluice.server.query;

import static dev.sluice.db.jooq.Tables.MODEL;
import static dev.sluice.db.jooq.Tables.MODEL_ALIAS;
import static dev.sluice.db.jooq.Tables.MODEL_VERSION;

import dev.sluice.ml.registry.ModelNotFoundException;
import dev.sluice.ml.registry.ModelRegistry;
import dev.sluice.ml.registry.ModelVersion;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Read views of the model registry. Versions and aliases come from ml-tasks' ModelRegistry, so the API shows
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

    public record VersionView(
            int version,
            Instant createdAt,
            Map<String, Object> metrics,
            List<String> aliases,
            String runId,
            String dagId,
            String algorithm,
            String kind,
            String framework,
            String problem,
            String bundle,
            Map<String, Object> inputSchema,
            List<String> classes) {}

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
        return versions.stream()
                .map(v -> view(v, aliases.getOrDefault(v.id(), List.of())))
                .toList();
    }

    public VersionView version(String name, int version) {
        return versions(name).stream()
                .filter(v -> v.version() == version)
                .findFirst()
                .orElseThrow(() -> new ModelNotFoundException("model " + name + " has no version " + version));
    }

    private static VersionView view(ModelVersion v, List<String> aliases) {
        return new VersionView(
                v.version(),
                v.createdAt().toInstant(),
                v.metrics(),
                aliases,
                text(v.details().get("run_id")),
                text(v.details().get("dag_id")),
                v.algorithm(),
                v.kind(),
                v.framework(),
                v.problem(),
                v.bundleRef(),
                v.inputSchema(),
                v.classes());
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

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }
}
