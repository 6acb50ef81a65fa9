package dev.sluice.engine;

import dev.sluice.store.DagRepository;
import dev.sluice.store.RunRepository;
import dev.sluice.task.DagRunTrigger;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * {@link DagRunTrigger} over the engine's {@link RunCoordinator#createRun}: the API's trigger path without HTTP,
 * so params are resolved and checked by {@link RunParams} exactly as for {@code POST /dags/{id}/runs}.
 *
 * <p>Unlike the API, it refuses a paused DAG: pausing says "start nothing on your own", and a run started by another
 * DAG is as automatic as a scheduled one; an operator can still trigger a paused DAG by hand.
 */
final class EngineDagRunTrigger implements DagRunTrigger {
    private final DSLContext dsl;
    private final DagRepository dags;
    private final RunRepository runs;
    private final RunCoordinator coordinator;

    EngineDagRunTrigger(DSLContext dsl, DagRepository dags, RunRepository runs, RunCoordinator coordinator) {
        this.dsl = dsl;
        this.dags = dags;
        this.runs = runs;
        this.coordinator = coordinator;
    }

    @Override
    public TriggeredRun trigger(String dagId, Instant logicalDate, Map<String, Object> params, String triggeredBy) {
        if (dags.latestVersionId(dagId).isEmpty()) throw new RefusedException("no DAG " + dagId);
        if (dags.isPaused(dagId))
            throw new RefusedException("DAG " + dagId + " is paused: unpause it to let other DAGs trigger it");
        // PostgreSQL keeps microseconds; truncating first makes the run id match the stored date (as the API does).
        Instant date = logicalDate.truncatedTo(ChronoUnit.MICROS);
        Optional<TriggeredRun> earlier = existing(dagId, date, triggeredBy);
        if (earlier.isPresent()) return earlier.get();
        try {
            long key = coordinator.createRun(dagId, "manual", date, date, date, params, triggeredBy);
            String runId = runs.get(dsl, key).orElseThrow().runId();
            return new TriggeredRun(dagId, runId, key, date, false);
        } catch (RunParams.InvalidParamException e) {
            throw new RefusedException("DAG " + dagId + " refuses " + e.getMessage());
        } catch (RunRepository.RunExistsException e) {
            // Another attempt of the same task may have won the race; anything else is someone else's run.
            return existing(dagId, date, triggeredBy).orElseThrow(() -> conflict(dagId, date));
        }
    }

    private Optional<TriggeredRun> existing(String dagId, Instant date, String triggeredBy) {
        var run = runs.atLogicalDate(dsl, dagId, date);
        if (run.isEmpty()) return Optional.empty();
        if (!triggeredBy.equals(run.get().triggeredBy())) throw conflict(dagId, date);
        return Optional.of(new TriggeredRun(dagId, run.get().runId(), run.get().key(), date, true));
    }

    private RefusedException conflict(String dagId, Instant date) {
        String runId = runs.atLogicalDate(dsl, dagId, date)
                .map(RunRepository.RunOrigin::runId)
                .orElse("?");
        return new RefusedException("DAG " + dagId + " already has a run at logical date " + date + " (" + runId
                + "); set logical_date to start another");
    }

    @Override
    public Optional<String> state(long runKey) {
        return runs.get(dsl, runKey).map(r -> r.state().dbName());
    }
}
