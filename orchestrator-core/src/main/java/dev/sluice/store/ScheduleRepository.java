package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.DAG;
import static dev.sluice.db.jooq.Tables.DAG_RUN;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;

/** What the scheduler reads about DAGs and their scheduled runs. */
public final class ScheduleRepository {
    private final DSLContext dsl;

    public ScheduleRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Whether a DAG may get scheduled runs now, and the version they would run. */
    public record DagStatus(String dagId, boolean active, boolean paused, Long latestVersionId) {}

    public Optional<DagStatus> status(String dagId) {
        return dsl.select(DAG.DAG_ID, DAG.IS_ACTIVE, DAG.IS_PAUSED, DAG.LATEST_VERSION_ID)
                .from(DAG)
                .where(DAG.DAG_ID.eq(dagId))
                .fetchOptional()
                .map(r -> new DagStatus(r.value1(), r.value2(), r.value3(), r.value4()));
    }

    /** Active DAGs that declare a schedule, with their latest version. */
    public List<DagStatus> activeScheduled() {
        return dsl.select(DAG.DAG_ID, DAG.IS_ACTIVE, DAG.IS_PAUSED, DAG.LATEST_VERSION_ID)
                .from(DAG)
                .where(DAG.IS_ACTIVE.isTrue(), DAG.SCHEDULE.isNotNull(), DAG.LATEST_VERSION_ID.isNotNull())
                .orderBy(DAG.DAG_ID)
                .fetch(r -> new DagStatus(r.value1(), r.value2(), r.value3(), r.value4()));
    }

    /** The logical date of the DAG's newest scheduled run: catchup continues after it. */
    public Optional<Instant> lastScheduledLogicalDate(String dagId) {
        return dsl.select(DAG_RUN.LOGICAL_DATE)
                .from(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.RUN_TYPE.eq("scheduled"))
                .orderBy(DAG_RUN.LOGICAL_DATE.desc())
                .limit(1)
                .fetchOptional()
                .map(r -> r.value1().toInstant());
    }
}
