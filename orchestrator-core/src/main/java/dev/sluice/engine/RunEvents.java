package dev.sluice.engine;

import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import java.time.Instant;

/**
 * What happened to runs, told after the transaction that recorded it committed — never inside it, so a slow or
 * failing listener cannot hold locks or roll back the engine's work. Called on the engine's threads: listeners
 * must return quickly (hand real work to their own executor) and should not throw.
 */
public interface RunEvents {

    /** A task attempt ended: {@code state} is success, failed (no retries left) or up_for_retry. */
    default void taskFinished(TaskFinished event) {}

    /** A run reached success or failed by its tasks' results. */
    default void runFinished(RunFinished event) {}

    record TaskFinished(
            String dagId,
            long dagVersionId,
            long runKey,
            String runId,
            Instant logicalDate,
            String taskId,
            int tryNumber,
            int maxTries,
            TaskState state,
            String error) {}

    record RunFinished(
            String dagId, long dagVersionId, long runKey, String runId, Instant logicalDate, RunState state) {}
}
