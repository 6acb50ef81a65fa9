package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.store.TaskInstanceRepository.utc;

import dev.sluice.run.AttemptState;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.task.RunHistory;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record5;
import org.jooq.impl.DSL;

/** {@link RunHistory} over the run, task-instance and attempt rows: one query per question, the keys bound as one array
 * (a DAG's history may hold more attempts than a statement takes parameters). */
public final class RunHistoryRepository implements RunHistory {
    private final DSLContext db;

    public RunHistoryRepository(DSLContext db) {
        this.db = db;
    }

    @Override
    public Optional<PastAttempt> latestSuccessful(Collection<Long> attemptKeys, Instant notAfter) {
        if (attemptKeys.isEmpty()) return Optional.empty();
        // The task's last try is the attempt whose result the task instance holds: a success recorded by an
        // earlier try that a retry (cleared task) replaced does not count.
        return select(ATTEMPT.ID
                        .eq(DSL.any(attemptKeys.toArray(Long[]::new)))
                        .and(ATTEMPT.STATE.eq(AttemptState.SUCCESS.dbName()))
                        .and(TASK_INSTANCE.STATE.eq(TaskState.SUCCESS.dbName()))
                        .and(ATTEMPT.TRY_NUMBER.eq(TASK_INSTANCE.TRY_NUMBER))
                        .and(DAG_RUN.STATE.eq(RunState.SUCCESS.dbName()))
                        .and(DAG_RUN.LOGICAL_DATE.le(utc(notAfter))))
                .orderBy(DAG_RUN.LOGICAL_DATE.desc(), DAG_RUN.ID.desc())
                .limit(1)
                .fetchOptional(RunHistoryRepository::past);
    }

    @Override
    public Map<Long, PastAttempt> attempts(Collection<Long> attemptKeys) {
        Map<Long, PastAttempt> out = new LinkedHashMap<>();
        if (attemptKeys.isEmpty()) return out;
        select(ATTEMPT.ID.eq(DSL.any(attemptKeys.toArray(Long[]::new))))
                .fetch()
                .forEach(r -> out.put(r.value1(), past(r)));
        return out;
    }

    @Override
    public Optional<String> runState(String dagId, Instant logicalDate) {
        return db.select(DAG_RUN.STATE)
                .from(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq(dagId).and(DAG_RUN.LOGICAL_DATE.eq(utc(logicalDate))))
                .fetchOptional(DAG_RUN.STATE);
    }

    @Override
    public java.util.List<String> taskStates(String dagId, Instant logicalDate, String taskId) {
        return db.select(TASK_INSTANCE.STATE)
                .from(TASK_INSTANCE)
                .join(DAG_RUN)
                .on(DAG_RUN.ID.eq(TASK_INSTANCE.RUN_ID))
                .where(DAG_RUN.DAG_ID
                        .eq(dagId)
                        .and(DAG_RUN.LOGICAL_DATE.eq(utc(logicalDate)))
                        .and(TASK_INSTANCE.TASK_ID.eq(taskId)))
                .fetch(TASK_INSTANCE.STATE);
    }

    private org.jooq.SelectConditionStep<Record5<Long, Long, String, java.time.OffsetDateTime, Integer>> select(
            Condition where) {
        return db.select(ATTEMPT.ID, DAG_RUN.ID, DAG_RUN.RUN_ID, DAG_RUN.LOGICAL_DATE, ATTEMPT.TRY_NUMBER)
                .from(ATTEMPT)
                .join(TASK_INSTANCE)
                .on(TASK_INSTANCE.ID.eq(ATTEMPT.TASK_INSTANCE_ID))
                .join(DAG_RUN)
                .on(DAG_RUN.ID.eq(TASK_INSTANCE.RUN_ID))
                .where(where);
    }

    private static PastAttempt past(Record5<Long, Long, String, java.time.OffsetDateTime, Integer> r) {
        return new PastAttempt(r.value1(), r.value2(), r.value3(), r.value4().toInstant(), r.value5());
    }
}
