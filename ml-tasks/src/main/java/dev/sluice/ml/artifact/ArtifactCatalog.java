package dev.sluice.ml.artifact;

import static dev.sluice.ml.db.jooq.Tables.ARTIFACT;
import static dev.sluice.ml.db.jooq.Tables.ARTIFACT_LINEAGE;

import dev.sluice.ml.Json;
import dev.sluice.task.RunHistory;
import dev.sluice.task.TaskContext;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Records artifacts and their lineage in PostgreSQL (this module's tables): what each artifact is (kind, schema,
 * rows, bytes, hash), which attempt produced it and which consumed it. What became of those attempts (did their run
 * succeed, when was it) is asked of the engine's {@link RunHistory}, never of its tables. Without a database (unit
 * tests) it records nothing.
 */
public final class ArtifactCatalog {
    private final DSLContext db;
    private final RunHistory history;

    private ArtifactCatalog(DSLContext db, RunHistory history) {
        this.db = db;
        this.history = history;
    }

    public static ArtifactCatalog of(TaskContext ctx) {
        return ctx.service(DataSource.class)
                .map(ds -> new ArtifactCatalog(
                        DSL.using(ds, SQLDialect.POSTGRES),
                        ctx.service(RunHistory.class).orElse(null)))
                .orElseGet(() -> new ArtifactCatalog(null, null));
    }

    public boolean enabled() {
        return db != null;
    }

    /** Records {@code a} (once per hash) and that the current attempt produced it under {@code role}. */
    public void produced(
            TaskContext ctx,
            String role,
            Artifact a,
            Long rows,
            Map<String, Object> schema,
            Map<String, Object> stats) {
        if (db == null) return;
        db.insertInto(ARTIFACT)
                .set(ARTIFACT.HASH, a.hash())
                .set(ARTIFACT.URI, a.uri())
                .set(ARTIFACT.KIND, a.kind().dbName())
                .set(ARTIFACT.MEDIA_TYPE, a.mediaType())
                .set(ARTIFACT.BYTES, a.bytes())
                .set(ARTIFACT.ROWS, rows)
                .set(ARTIFACT.SCHEMA_JSON, schema == null ? null : JSONB.valueOf(Json.write(schema)))
                .set(ARTIFACT.STATS, stats == null ? null : JSONB.valueOf(Json.write(stats)))
                .onConflict(ARTIFACT.HASH)
                .doNothing()
                .execute();
        link(ctx, "produced", role, a.hash());
    }

    /** Records that the current attempt read the artifact {@code ref} as {@code role}. */
    public void consumed(TaskContext ctx, String role, String ref) {
        if (db == null) return;
        link(ctx, "consumed", role, Artifact.hashOf(ref));
    }

    /**
     * Gives the current attempt the lineage of {@code earlierAttempt}, whose result it reuses: the same artifacts
     * read and written under the same roles, so lineage queries (and drift baselines) see this run as if it had run.
     */
    public void copyLineage(TaskContext ctx, long earlierAttempt) {
        if (db == null) return;
        db.insertInto(
                        ARTIFACT_LINEAGE,
                        ARTIFACT_LINEAGE.ARTIFACT_ID,
                        ARTIFACT_LINEAGE.DIRECTION,
                        ARTIFACT_LINEAGE.ATTEMPT_ID,
                        ARTIFACT_LINEAGE.RUN_ID,
                        ARTIFACT_LINEAGE.DAG_ID,
                        ARTIFACT_LINEAGE.TASK_ID,
                        ARTIFACT_LINEAGE.ROLE)
                .select(DSL.select(
                                ARTIFACT_LINEAGE.ARTIFACT_ID,
                                ARTIFACT_LINEAGE.DIRECTION,
                                DSL.val(ctx.attemptKey()),
                                DSL.val(ctx.runKey()),
                                DSL.val(ctx.dagId()),
                                DSL.val(ctx.taskId()),
                                ARTIFACT_LINEAGE.ROLE)
                        .from(ARTIFACT_LINEAGE)
                        .where(ARTIFACT_LINEAGE.ATTEMPT_ID.eq(earlierAttempt)))
                .onConflictDoNothing()
                .execute();
    }

    /** Statistics an earlier run recorded, with the run they came from. */
    public record PastStats(String ref, String runId, Instant logicalDate, Map<String, Object> stats) {}

    /**
     * The statistics this DAG's task recorded under {@code role} in the latest successful run at or before the
     * current run's logical date (so a backfill compares with the day before it, not with today). Only runs that
     * succeeded count: data a failed run was trained or gated on is no baseline.
     */
    public Optional<PastStats> lastSuccessfulRun(TaskContext ctx, String role) {
        if (db == null || history == null) return Optional.empty();
        // This task's attempts that produced statistics under the role, in other runs; the run history says which
        // of them is the latest good one.
        Map<Long, Long> artifactByAttempt = new HashMap<>();
        db.select(ARTIFACT_LINEAGE.ATTEMPT_ID, ARTIFACT_LINEAGE.ARTIFACT_ID)
                .from(ARTIFACT_LINEAGE)
                .join(ARTIFACT)
                .on(ARTIFACT.ID.eq(ARTIFACT_LINEAGE.ARTIFACT_ID))
                .where(
                        ARTIFACT_LINEAGE.DAG_ID.eq(ctx.dagId()),
                        ARTIFACT_LINEAGE.TASK_ID.eq(ctx.taskId()),
                        ARTIFACT_LINEAGE.ROLE.eq(role),
                        ARTIFACT_LINEAGE.DIRECTION.eq("produced"),
                        ARTIFACT_LINEAGE.RUN_ID.ne(ctx.runKey()),
                        ARTIFACT.STATS.isNotNull())
                .orderBy(ARTIFACT_LINEAGE.ID.desc())
                .forEach(r -> artifactByAttempt.putIfAbsent(r.value1(), r.value2())); // an attempt's latest record
        Optional<RunHistory.PastAttempt> past =
                history.latestSuccessful(List.copyOf(artifactByAttempt.keySet()), ctx.logicalDate());
        if (past.isEmpty()) return Optional.empty();
        return db.select(ARTIFACT.HASH, ARTIFACT.STATS)
                .from(ARTIFACT)
                .where(ARTIFACT.ID.eq(artifactByAttempt.get(past.get().attemptKey())))
                .fetchOptional(r -> new PastStats(
                        Artifact.REF_PREFIX + r.value1(),
                        past.get().runId(),
                        past.get().logicalDate(),
                        Json.readMap(r.value2().data())));
    }

    private void link(TaskContext ctx, String direction, String role, String hash) {
        Long id = db.select(ARTIFACT.ID)
                .from(ARTIFACT)
                .where(ARTIFACT.HASH.eq(hash))
                .fetchOne(ARTIFACT.ID);
        if (id == null) return; // produced before the catalog existed: nothing to link to
        db.insertInto(ARTIFACT_LINEAGE)
                .set(ARTIFACT_LINEAGE.ARTIFACT_ID, id)
                .set(ARTIFACT_LINEAGE.DIRECTION, direction)
                .set(ARTIFACT_LINEAGE.ATTEMPT_ID, ctx.attemptKey())
                .set(ARTIFACT_LINEAGE.RUN_ID, ctx.runKey())
                .set(ARTIFACT_LINEAGE.DAG_ID, ctx.dagId())
                .set(ARTIFACT_LINEAGE.TASK_ID, ctx.taskId())
                .set(ARTIFACT_LINEAGE.ROLE, role)
                .onConflictDoNothing()
                .execute();
    }
}
