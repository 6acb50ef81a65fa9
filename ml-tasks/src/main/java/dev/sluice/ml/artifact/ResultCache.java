package dev.sluice.ml.artifact;

import static dev.sluice.ml.db.jooq.Tables.ML_TASK_CACHE;

import dev.sluice.ml.Json;
import dev.sluice.task.TaskContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
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
 * Reuse of an ML task's earlier result when nothing it depends on changed. The key hashes the task type, its
 * rendered config and its inputs; ML inputs are content-addressed artifact references, so equal references mean
 * equal data. A hit is only taken when every artifact the old output names is still in the store.
 */
public final class ResultCache {
    /**
     * Part of every key: bump it when a task type's output for the same inputs changes meaning. 2: ml.preprocess
     * encodes boolean columns and names the columns it drops, ml.train records the negative class; a result cached
     * before would bring back a transform that silently left booleans out.
     */
    static final String FORMAT = "2";

    private final DSLContext db;
    private final ArtifactStore store;

    private ResultCache(DSLContext db, ArtifactStore store) {
        this.db = db;
        this.store = store;
    }

    /** Empty without the application database: there is nowhere durable to remember results. */
    public static Optional<ResultCache> of(TaskContext ctx, ArtifactStore store) {
        return ctx.service(DataSource.class).map(ds -> new ResultCache(DSL.using(ds, SQLDialect.POSTGRES), store));
    }

    /** sha-256 of the canonical JSON (sorted keys) of everything the result depends on. */
    public static String key(
            String taskType,
            Map<String, Object> config,
            Map<String, Map<String, Object>> upstream,
            Map<String, Object> extraInputs) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("format", FORMAT);
        all.put("type", taskType);
        all.put("version", String.valueOf(ResultCache.class.getPackage().getImplementationVersion()));
        all.put("config", config);
        all.put("upstream", upstream);
        all.put("inputs", extraInputs);
        try {
            byte[] d =
                    MessageDigest.getInstance("SHA-256").digest(Json.write(all).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A recorded result for {@code key} whose artifacts all still exist, with where it was computed. */
    public record Hit(Map<String, Object> output, String dagId, long runKey, String taskId, long attemptKey) {}

    public Optional<Hit> lookup(String key) {
        var r = db.selectFrom(ML_TASK_CACHE)
                .where(ML_TASK_CACHE.CACHE_KEY.eq(key))
                .fetchOne();
        if (r == null) return Optional.empty();
        Map<String, Object> output = Json.readMap(r.getOutput().data());
        for (String ref : artifactRefs(output)) if (!store.contains(ref)) return Optional.empty();
        db.update(ML_TASK_CACHE)
                .set(ML_TASK_CACHE.HITS, ML_TASK_CACHE.HITS.plus(1))
                .set(ML_TASK_CACHE.LAST_HIT_AT, OffsetDateTime.now())
                .where(ML_TASK_CACHE.CACHE_KEY.eq(key))
                .execute();
        return Optional.of(new Hit(output, r.getDagId(), r.getRunId(), r.getTaskId(), r.getAttemptId()));
    }

    /** Remembers the result the current attempt computed; a later equal key replaces it. */
    public void remember(TaskContext ctx, String key, String taskType, Map<String, Object> output) {
        JSONB json = JSONB.valueOf(Json.write(output));
        db.insertInto(ML_TASK_CACHE)
                .set(ML_TASK_CACHE.CACHE_KEY, key)
                .set(ML_TASK_CACHE.TASK_TYPE, taskType)
                .set(ML_TASK_CACHE.OUTPUT, json)
                .set(ML_TASK_CACHE.DAG_ID, ctx.dagId())
                .set(ML_TASK_CACHE.RUN_ID, ctx.runKey())
                .set(ML_TASK_CACHE.TASK_ID, ctx.taskId())
                .set(ML_TASK_CACHE.ATTEMPT_ID, ctx.attemptKey())
                .onConflict(ML_TASK_CACHE.CACHE_KEY)
                .doUpdate()
                .set(ML_TASK_CACHE.OUTPUT, json)
                .set(ML_TASK_CACHE.DAG_ID, ctx.dagId())
                .set(ML_TASK_CACHE.RUN_ID, ctx.runKey())
                .set(ML_TASK_CACHE.TASK_ID, ctx.taskId())
                .set(ML_TASK_CACHE.ATTEMPT_ID, ctx.attemptKey())
                .set(ML_TASK_CACHE.CREATED_AT, OffsetDateTime.now())
                .set(ML_TASK_CACHE.HITS, 0)
                .execute();
    }

    /** The top-level output values that are artifact references ({@code sha256:...}). */
    private static List<String> artifactRefs(Map<String, Object> output) {
        List<String> out = new ArrayList<>();
        output.values().forEach(v -> {
            if (v instanceof String s && s.startsWith(Artifact.REF_PREFIX)) out.add(s);
        });
        return out;
    }
}
