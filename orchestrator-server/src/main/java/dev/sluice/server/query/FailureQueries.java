package dev.sluice.server.query;

import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.store.TaskInstanceRepository.utc;

import dev.sluice.server.http.Cursor;
import dev.sluice.server.http.Page;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Recent task failures across DAGs, newest first, from the partial index on failed task instances. */
public final class FailureQueries {
    private final DSLContext dsl;

    public FailureQueries(DSLContext dsl) {
        this.dsl = dsl;
    }

    public record Failure(
            String dagId,
            String runId,
            String taskId,
            int tryNumber,
            Instant endedAt,
            String errorHead,
            String logUrl) {}

    public Page<Failure> page(String dagId, Instant since, int limit, String cursor) {
        Condition cond = TASK_INSTANCE.STATE.eq("failed");
        if (dagId != null) cond = cond.and(TASK_INSTANCE.DAG_ID.eq(dagId));
        if (since != null) cond = cond.and(TASK_INSTANCE.ENDED_AT.ge(utc(since)));
        if (cursor != null) {
            var k = Cursor.timeKey(cursor);
            cond = cond.and(DSL.row(TASK_INSTANCE.ENDED_AT, TASK_INSTANCE.ID).lt(utc(k.at()), k.id()));
        }
        var rows = dsl.select(
                        TASK_INSTANCE.ID,
                        TASK_INSTANCE.DAG_ID,
                        DAG_RUN.RUN_ID,
                        TASK_INSTANCE.TASK_ID,
                        TASK_INSTANCE.TRY_NUMBER,
                        TASK_INSTANCE.ENDED_AT,
                        TASK_INSTANCE.ERROR)
                .from(TASK_INSTANCE)
                .join(DAG_RUN)
                .on(DAG_RUN.ID.eq(TASK_INSTANCE.RUN_ID))
                .where(cond, TASK_INSTANCE.ENDED_AT.isNotNull())
                .orderBy(TASK_INSTANCE.ENDED_AT.desc(), TASK_INSTANCE.ID.desc())
                .limit(limit + 1)
                .fetch();
        List<Failure> items = rows.stream()
                .limit(limit)
                .map(r -> new Failure(
                        r.value2(),
                        r.value3(),
                        r.value4(),
                        r.value5(),
                        r.value6().toInstant(),
                        head(r.value7()),
                        logUrl(r.value2(), r.value3(), r.value4(), r.value5())))
                .toList();
        String next = rows.size() > limit
                ? Cursor.of(
                        rows.get(limit - 1).value6().toInstant(),
                        rows.get(limit - 1).value1())
                : null;
        return new Page<>(items, next);
    }

    static String head(String error) {
        if (error == null) return null;
        String[] lines = error.split("\n", 6);
        return String.join("\n", java.util.Arrays.copyOf(lines, Math.min(5, lines.length)));
    }

    static String logUrl(String dagId, String runId, String taskId, int tryNumber) {
        return "/api/v1/dags/" + enc(dagId) + "/runs/" + enc(runId) + "/tasks/" + enc(taskId) + "/logs?try="
                + tryNumber;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
