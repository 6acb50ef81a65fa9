package dev.sluice.task;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * What task types and plugins may know of earlier runs, without reading the engine's tables: which run and try an
 * attempt was, and which attempts count as a good past result. A plugin records its own facts by attempt key (an
 * artifact's lineage, an experiment) and asks here what became of those attempts. Offered through
 * {@link TaskContext#service}.
 */
public interface RunHistory {
    /** One attempt with its run: {@code runId} is the run's human id, {@code tryNumber} 1 for the first try. */
    record PastAttempt(long attemptKey, long runKey, String runId, Instant logicalDate, int tryNumber) {}

    /**
     * Of {@code attemptKeys}, the one of the latest run (by logical date, at or before {@code notAfter}) that
     * succeeded, whose task succeeded with that very attempt. Runs still going, failed or cancelled do not count.
     */
    Optional<PastAttempt> latestSuccessful(Collection<Long> attemptKeys, Instant notAfter);

    /** The attempts still on record, by key; those whose runs were deleted are missing. */
    Map<Long, PastAttempt> attempts(Collection<Long> attemptKeys);

    /**
     * The state ({@code queued}, {@code running}, {@code success}, {@code failed}, {@code cancelled}) of
     * {@code dagId}'s run at {@code logicalDate}; empty when it has none (a DAG has at most one run per date).
     */
    Optional<String> runState(String dagId, Instant logicalDate);

    /**
     * The states of task {@code taskId}'s instances in {@code dagId}'s run at {@code logicalDate}: one, or one per
     * map index for a mapped task; empty when there is no such run or task.
     */
    java.util.List<String> taskStates(String dagId, Instant logicalDate, String taskId);
}
