package dev.sluice.ml.registry;

import static dev.sluice.ml.registry.db.jooq.Tables.MODEL;
import static dev.sluice.ml.registry.db.jooq.Tables.MODEL_ALIAS;
import static dev.sluice.ml.registry.db.jooq.Tables.MODEL_ALIAS_EVENT;
import static dev.sluice.ml.registry.db.jooq.Tables.MODEL_VERSION;

import dev.sluice.ml.Json;
import dev.sluice.ml.registry.db.jooq.tables.records.ModelVersionRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The model registry over PostgreSQL: versions numbered 1, 2, 3... per model name, and movable aliases
 * ({@code champion}) whose every move is kept, so a rollback is moving the alias back. Plain Java over this
 * module's own tables: {@code dev.sluice.ml.api.ModelRoutes} exposes it over HTTP, {@link RegistryServices} to task
 * types.
 */
public final class ModelRegistry {
    public static final String CHAMPION = dev.sluice.ml.model.RegisteredModels.CHAMPION;
    private final DSLContext db;

    public ModelRegistry(DataSource ds) {
        this.db = DSL.using(ds, SQLDialect.POSTGRES);
    }

    /** Registers a new version; the number is the model's highest plus one, assigned under a row lock. */
    public ModelVersion register(
            String name,
            String description,
            String bundleRef,
            String algorithm,
            String problem,
            Map<String, Object> inputSchema,
            Map<String, Object> metrics,
            Map<String, Object> details) {
        return db.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            // The description is set when the model is first registered; later versions leave it alone.
            tx.insertInto(MODEL)
                    .set(MODEL.NAME, name)
                    .set(MODEL.DESCRIPTION, description)
                    .onConflictDoNothing()
                    .execute();
            tx.selectFrom(MODEL).where(MODEL.NAME.eq(name)).forUpdate().fetchOne();
            Integer max = tx.select(DSL.max(MODEL_VERSION.VERSION))
                    .from(MODEL_VERSION)
                    .where(MODEL_VERSION.MODEL_NAME.eq(name))
                    .fetchOne(0, Integer.class);
            ModelVersionRecord r = tx.insertInto(MODEL_VERSION)
                    .set(MODEL_VERSION.MODEL_NAME, name)
                    .set(MODEL_VERSION.VERSION, max == null ? 1 : max + 1)
                    .set(MODEL_VERSION.BUNDLE_HASH, dev.sluice.ml.artifact.Artifact.hashOf(bundleRef))
                    .set(MODEL_VERSION.ALGORITHM, algorithm)
                    .set(MODEL_VERSION.PROBLEM, problem)
                    .set(MODEL_VERSION.SCHEMA_JSON, JSONB.valueOf(Json.write(inputSchema)))
                    .set(MODEL_VERSION.METRICS, JSONB.valueOf(Json.write(metrics)))
                    .set(MODEL_VERSION.DETAILS, JSONB.valueOf(Json.write(details)))
                    .returning()
                    .fetchOne();
            return toVersion(r);
        });
    }

    public List<RegisteredModel> models() {
        List<RegisteredModel> out = new ArrayList<>();
        var latest = db.select(MODEL_VERSION.MODEL_NAME, DSL.max(MODEL_VERSION.VERSION))
                .from(MODEL_VERSION)
                .groupBy(MODEL_VERSION.MODEL_NAME)
                .fetchMap(MODEL_VERSION.MODEL_NAME, DSL.max(MODEL_VERSION.VERSION));
        Map<String, Map<String, Integer>> aliases = new LinkedHashMap<>();
        db.select(MODEL_ALIAS.MODEL_NAME, MODEL_ALIAS.ALIAS, MODEL_VERSION.VERSION)
                .from(MODEL_ALIAS)
                .join(MODEL_VERSION)
                .on(MODEL_VERSION.ID.eq(MODEL_ALIAS.VERSION_ID))
                .forEach(r -> aliases.computeIfAbsent(r.value1(), k -> new LinkedHashMap<>())
                        .put(r.value2(), r.value3()));
        for (var m : db.selectFrom(MODEL).orderBy(MODEL.NAME).fetch()) {
            Integer v = latest.get(m.getName());
            out.add(new RegisteredModel(
                    m.getName(), m.getDescription(), v == null ? 0 : v, aliases.getOrDefault(m.getName(), Map.of())));
        }
        return out;
    }

    /** All versions of a model, newest first, with their metrics. */
    public List<ModelVersion> versions(String name) {
        return db.selectFrom(MODEL_VERSION)
                .where(MODEL_VERSION.MODEL_NAME.eq(name))
                .orderBy(MODEL_VERSION.VERSION.desc())
                .fetch()
                .map(ModelRegistry::toVersion);
    }

    public Optional<ModelVersion> version(String name, int version) {
        return db.selectFrom(MODEL_VERSION)
                .where(MODEL_VERSION.MODEL_NAME.eq(name), MODEL_VERSION.VERSION.eq(version))
                .fetchOptional()
                .map(ModelRegistry::toVersion);
    }

    public Optional<ModelVersion> byAlias(String name, String alias) {
        return db.select(MODEL_VERSION.fields())
                .from(MODEL_ALIAS)
                .join(MODEL_VERSION)
                .on(MODEL_VERSION.ID.eq(MODEL_ALIAS.VERSION_ID))
                .where(MODEL_ALIAS.MODEL_NAME.eq(name), MODEL_ALIAS.ALIAS.eq(alias))
                .fetchOptional()
                .map(r -> toVersion(r.into(MODEL_VERSION)));
    }

    /** {@code "3"} or {@code "v3"} is a version number, anything else an alias. */
    public ModelVersion resolve(String name, String aliasOrVersion) {
        String s = aliasOrVersion.startsWith("v") && aliasOrVersion.substring(1).matches("\\d+")
                ? aliasOrVersion.substring(1)
                : aliasOrVersion;
        Optional<ModelVersion> v = s.matches("\\d+") ? version(name, Integer.parseInt(s)) : byAlias(name, s);
        return v.orElseThrow(() ->
                new ModelNotFoundException("model " + name + " has no version or alias \"" + aliasOrVersion + "\""));
    }

    /** Points {@code alias} at {@code version}, recording the move. */
    public ModelVersion setAlias(String name, String alias, int version, String reason) {
        ModelVersion target = version(name, version)
                .orElseThrow(() -> new ModelNotFoundException("model " + name + " has no version " + version));
        db.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            Long from = tx.select(MODEL_ALIAS.VERSION_ID)
                    .from(MODEL_ALIAS)
                    .where(MODEL_ALIAS.MODEL_NAME.eq(name), MODEL_ALIAS.ALIAS.eq(alias))
                    .forUpdate()
                    .fetchOne(MODEL_ALIAS.VERSION_ID);
            tx.insertInto(MODEL_ALIAS)
                    .set(MODEL_ALIAS.MODEL_NAME, name)
                    .set(MODEL_ALIAS.ALIAS, alias)
                    .set(MODEL_ALIAS.VERSION_ID, target.id())
                    .onConflict(MODEL_ALIAS.MODEL_NAME, MODEL_ALIAS.ALIAS)
                    .doUpdate()
                    .set(MODEL_ALIAS.VERSION_ID, target.id())
                    .set(MODEL_ALIAS.UPDATED_AT, DSL.currentOffsetDateTime())
                    .execute();
            tx.insertInto(MODEL_ALIAS_EVENT)
                    .set(MODEL_ALIAS_EVENT.MODEL_NAME, name)
                    .set(MODEL_ALIAS_EVENT.ALIAS, alias)
                    .set(MODEL_ALIAS_EVENT.FROM_VERSION_ID, from)
                    .set(MODEL_ALIAS_EVENT.TO_VERSION_ID, target.id())
                    .set(MODEL_ALIAS_EVENT.REASON, reason)
                    .execute();
        });
        return target;
    }

    /** Rollback: moves {@code alias} to an earlier version. */
    public ModelVersion rollback(String name, String alias, int toVersion) {
        ModelVersion current = byAlias(name, alias)
                .orElseThrow(() -> new ModelNotFoundException("model " + name + " has no alias " + alias));
        if (toVersion >= current.version()) {
            throw new IllegalArgumentException("rollback goes to an earlier version: " + alias + " is at "
                    + current.version() + ", asked " + toVersion);
        }
        return setAlias(name, alias, toVersion, "rollback from version " + current.version());
    }

    /** Rollback to the version the alias held before its last move. */
    public ModelVersion rollback(String name, String alias) {
        Long previous = db.select(MODEL_ALIAS_EVENT.FROM_VERSION_ID)
                .from(MODEL_ALIAS_EVENT)
                .where(MODEL_ALIAS_EVENT.MODEL_NAME.eq(name), MODEL_ALIAS_EVENT.ALIAS.eq(alias))
                .orderBy(MODEL_ALIAS_EVENT.ID.desc())
                .limit(1)
                .fetchOne(MODEL_ALIAS_EVENT.FROM_VERSION_ID);
        if (previous == null)
            throw new ModelNotFoundException(
                    "alias " + alias + " of " + name + " has no earlier version to roll back to");
        int v = db.select(MODEL_VERSION.VERSION)
                .from(MODEL_VERSION)
                .where(MODEL_VERSION.ID.eq(previous))
                .fetchOne(MODEL_VERSION.VERSION);
        return setAlias(name, alias, v, "rollback");
    }

    private static ModelVersion toVersion(ModelVersionRecord r) {
        return new ModelVersion(
                r.getId(),
                r.getModelName(),
                r.getVersion(),
                "sha256:" + r.getBundleHash(),
                r.getAlgorithm(),
                r.getProblem(),
                Json.readMap(r.getSchemaJson().data()),
                Json.readMap(r.getMetrics().data()),
                Json.readMap(r.getDetails().data()),
                r.getCreatedAt());
    }
}
