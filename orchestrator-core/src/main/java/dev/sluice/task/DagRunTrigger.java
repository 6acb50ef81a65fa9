package dev.sluice.task;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Starts runs of other DAGs from a task, through the engine's own run creation (the one the API's trigger uses: the
 * same params check, the same max_active_runs queueing), and reads back how they are doing. Offered through
 * {@link TaskContext#service}; the {@code trigger_dag} task type is its user.
 */
public interface DagRunTrigger {
    /** A run this service started (or, on a retry, found already started by the same task of the same run). */
    record TriggeredRun(String dagId, String runId, long runKey, Instant logicalDate, boolean existing) {}

    /** Why a trigger was refused: unknown or paused DAG, a param the DAG refuses, a run already at that date. */
    final class RefusedException extends RuntimeException {
        public RefusedException(String message) {
            super(message);
        }
    }

    /**
     * Creates a run of {@code dagId}'s latest version at {@code logicalDate}. {@code triggeredBy} is recorded on the
     * run and makes the call idempotent: when the DAG already has a run at that date recorded with the same
     * {@code triggeredBy}, that run is returned ({@code existing}) instead of a second one, so a retried attempt
     * adopts the run its first attempt started.
     *
     * @throws RefusedException naming the DAG, the param or the conflicting run
     */
    TriggeredRun trigger(String dagId, Instant logicalDate, Map<String, Object> params, String triggeredBy);

    /** The run's state as the API names it ({@code queued}, {@code running}, {@code success}, {@code failed},
     * {@code cancelled}); empty when the run was deleted. */
    Optional<String> state(long runKey);
}
