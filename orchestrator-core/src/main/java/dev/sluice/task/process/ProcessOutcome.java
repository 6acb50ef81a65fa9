package dev.sluice.task.process;

import java.util.Map;

/** How a task's process ended: its exit status and the JSON object it wrote to {@code $SLUICE_OUTPUT} (may be empty). */
public record ProcessOutcome(int exitCode, Map<String, Object> output) {}
