package dev.sluice.ml.tracking;

import static dev.sluice.ml.db.jooq.Tables.ML_EXPERIMENT_RUN;

import dev.sluice.ml.Json;
import dev.sluice.task.TaskContext;
import java.util.Map;
import javax.sql.DataSource;
import org.jooq.JSONB;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Experiment tracking: the params and metrics of each train and evaluate attempt, and of each python task that logged
 * some (stage {@code python}), for comparing runs.
 */
public final class ExperimentLog {
    private ExperimentLog() {}

    /** Records one stage of the current attempt; a no-op without the application database. */
    public static void record(TaskContext ctx, String stage, Map<String, Object> params, Map<String, Object> metrics) {
        ctx.service(DataSource.class)
                .ifPresent(ds -> DSL.using(ds, SQLDialect.POSTGRES)
                        .insertInto(ML_EXPERIMENT_RUN)
                        .set(ML_EXPERIMENT_RUN.DAG_ID, ctx.dagId())
                        .set(ML_EXPERIMENT_RUN.RUN_ID, ctx.runKey())
                        .set(ML_EXPERIMENT_RUN.ATTEMPT_ID, ctx.attemptKey())
                        .set(ML_EXPERIMENT_RUN.TASK_ID, ctx.taskId())
                        .set(ML_EXPERIMENT_RUN.STAGE, stage)
                        .set(ML_EXPERIMENT_RUN.PARAMS, JSONB.valueOf(Json.write(params)))
                        .set(ML_EXPERIMENT_RUN.METRICS, JSONB.valueOf(Json.write(metrics)))
                        .execute());
    }
}
