package dev.sluice.ml.api;

import static dev.sluice.ml.db.jooq.Tables.ARTIFACT;
import static dev.sluice.ml.db.jooq.Tables.ARTIFACT_LINEAGE;
import static dev.sluice.ml.db.jooq.Tables.ML_EXPERIMENT_RUN;
import static dev.sluice.store.TaskInstanceRepository.utc;

import dev.sluice.server.http.ApiException;
import dev.sluice.server.http.Cursor;
import dev.sluice.server.http.Page;
import dev.sluice.store.Json;
import dev.sluice.task.RunHistory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Experiment tracking, read side: what every ml.train and ml.evaluate attempt recorded (params, metrics) with the
 * artifacts it read and wrote, newest first, so runs can be compared side by side. The run id and try number come
 * from the engine's {@link RunHistory}, one call per page.
 */
public final class ExperimentQueries {
    private final DSLContext dsl;
    private final RunHistory history;

    public ExperimentQueries(DSLContext dsl, RunHistory history) {
        this.dsl = dsl;
        this.history = history;
    }

    public record ArtifactRef(String direction, String role, String ref, String kind) {}

    public record Experiment(
            long id,
            String dagId,
            String runId,
            String taskId,
            long attemptId,
            Integer tryNumber,
            String stage,
            Map<String, Object> params,
            Map<String, Object> metrics,
            Instant createdAt,
            List<ArtifactRef> artifacts) {}

    public Page<Experiment> page(String dagId, String taskId, String stage, int limit, String cursor) {
        if (stage != null && !List.of("train", "evaluate", "python").contains(stage)) {
            throw ApiException.badRequest("stage", "stage must be train, evaluate or python, got \"" + stage + "\"");
        }
        var e = ML_EXPERIMENT_RUN;
        Condition cond = DSL.trueCondition();
        if (dagId != null) cond = cond.and(e.DAG_ID.eq(dagId));
        if (taskId != null) cond = cond.and(e.TASK_ID.eq(taskId));
        if (stage != null) cond = cond.and(e.STAGE.eq(stage));
        if (cursor != null) {
            var k = Cursor.timeKey(cursor);
            cond = cond.and(DSL.row(e.CREATED_AT, e.ID).lt(utc(k.at()), k.id()));
        }
        var rows = dsl.select(e.ID, e.DAG_ID, e.TASK_ID, e.ATTEMPT_ID, e.STAGE, e.PARAMS, e.METRICS, e.CREATED_AT)
                .from(e)
                .where(cond)
                .orderBy(e.CREATED_AT.desc(), e.ID.desc())
                .limit(limit + 1)
                .fetch();
        List<Long> attempts =
                rows.stream().limit(limit).map(r -> r.value4()).distinct().toList();
        Map<Long, List<ArtifactRef>> artifacts = artifactsOf(attempts);
        // Experiments are history and outlive the retention of the run rows they came from: then no run id.
        Map<Long, RunHistory.PastAttempt> runs = history.attempts(attempts);
        List<Experiment> items = rows.stream()
                .limit(limit)
                .map(r -> {
                    RunHistory.PastAttempt run = runs.get(r.value4());
                    return new Experiment(
                            r.value1(),
                            r.value2(),
                            run == null ? null : run.runId(),
                            r.value3(),
                            r.value4(),
                            run == null ? null : run.tryNumber(),
                            r.value5(),
                            Json.map(r.value6()),
                            Json.map(r.value7()),
                            r.value8().toInstant(),
                            artifacts.getOrDefault(r.value4(), List.of()));
                })
                .toList();
        String next = rows.size() > limit
                ? Cursor.of(
                        rows.get(limit - 1).value8().toInstant(),
                        rows.get(limit - 1).value1())
                : null;
        return new Page<>(items, next);
    }

    /** One query for the whole page, not one per experiment. */
    private Map<Long, List<ArtifactRef>> artifactsOf(List<Long> attempts) {
        Map<Long, List<ArtifactRef>> out = new HashMap<>();
        if (attempts.isEmpty()) return out;
        dsl.select(
                        ARTIFACT_LINEAGE.ATTEMPT_ID,
                        ARTIFACT_LINEAGE.DIRECTION,
                        ARTIFACT_LINEAGE.ROLE,
                        ARTIFACT.HASH,
                        ARTIFACT.KIND)
                .from(ARTIFACT_LINEAGE)
                .join(ARTIFACT)
                .on(ARTIFACT.ID.eq(ARTIFACT_LINEAGE.ARTIFACT_ID))
                .where(ARTIFACT_LINEAGE.ATTEMPT_ID.in(attempts))
                .orderBy(ARTIFACT_LINEAGE.ID)
                .forEach(r -> out.computeIfAbsent(r.value1(), k -> new ArrayList<>())
                        .add(new ArtifactRef(r.value2(), r.value3(), "sha256:" + r.value4(), r.value5())));
        return out;
    }
}
