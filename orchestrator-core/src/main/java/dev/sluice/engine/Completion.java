package dev.sluice.engine;

import dev.sluice.store.TaskInstanceRepository.Claimed;
import java.time.Instant;
import java.util.Map;

/**
 * The result of one attempt, on its way to being recorded in a batch. {@code renderedConfig} is the config it ran
 * with (secrets masked), null when rendering never happened (e.g. a lost worker).
 * {@code logBytes}: the size of its log as written, for log retention by total size.
 */
record Completion(
        Claimed claimed,
        String workerId,
        Outcome outcome,
        Map<String, Object> output,
        String error,
        Integer exitCode,
        Instant endedAt,
        Map<String, Object> renderedConfig,
        Long logBytes,
        Reschedule reschedule) {

    /** For an attempt that ended rescheduled: when its wait began and when the next check is due. */
    record Reschedule(Instant firstCheckAt, Instant nextCheckAt) {}

    Completion(
            Claimed claimed,
            String workerId,
            Outcome outcome,
            Map<String, Object> output,
            String error,
            Integer exitCode,
            Instant endedAt,
            Map<String, Object> renderedConfig,
            Long logBytes) {
        this(claimed, workerId, outcome, output, error, exitCode, endedAt, renderedConfig, logBytes, null);
    }

    /** An attempt whose log size is unknown (e.g. a lost worker's): retention then counts it by what it finds. */
    Completion(
            Claimed claimed,
            String workerId,
            Outcome outcome,
            Map<String, Object> output,
            String error,
            Integer exitCode,
            Instant endedAt,
            Map<String, Object> renderedConfig) {
        this(claimed, workerId, outcome, output, error, exitCode, endedAt, renderedConfig, null);
    }

    Completion withLogBytes(Long bytes) {
        return new Completion(
                claimed, workerId, outcome, output, error, exitCode, endedAt, renderedConfig, bytes, reschedule);
    }
}
