package dev.sluice.engine;

import dev.sluice.store.TaskInstanceRepository.Claimed;
import java.time.Instant;
import java.util.Map;

/**
 * The result of one attempt, on its way to being recorded in a batch. {@code renderedConfig} is the config it ran
 * with (secrets masked), null when rendering never happened (e.g. a lost worker).
 */
record Completion(Claimed claimed, String workerId, Outcome outcome, Map<String, Object> output, String error,
                  Integer exitCode, Instant endedAt, Map<String, Object> renderedConfig) {}
