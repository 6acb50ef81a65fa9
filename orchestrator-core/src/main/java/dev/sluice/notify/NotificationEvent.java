package dev.sluice.notify;

import dev.sluice.dag.Notifications.Event;
import java.time.Instant;
import java.util.Set;

/**
 * One row of the notification outbox as claimed for delivery. {@code runKey} and {@code runId} are null only for a
 * run deleted since; {@code taskId} is null for run events and a run's own deadline; {@code dueAt} is set for
 * {@code deadline_missed}. {@code doneChannels} names the channels an earlier try already reached.
 */
public record NotificationEvent(
        long id,
        Event event,
        String dagId,
        long dagVersionId,
        Long runKey,
        String runId,
        Instant logicalDate,
        String taskId,
        Integer tryNumber,
        String error,
        Instant dueAt,
        int attempts,
        Set<String> doneChannels) {

    public NotificationEvent {
        doneChannels = doneChannels == null ? Set.of() : Set.copyOf(doneChannels);
    }
}
