package dev.sluice.server.query;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import org.jooq.DSLContext;

/**
 * The deadlines of a run and its tasks as the API shows them. Rows come from {@code run_deadline} (made with the
 * run, judged by a scheduler when due); one indexed query per run.
 */
final class DeadlineQueries {
    /** Key of the run's own deadline in {@link #ofRun}. */
    static final String RUN = "";

    private DeadlineQueries() {}

    /**
     * A deadline: {@code state} is {@code pending} until {@code due_at} passes and a scheduler judges it, then
     * {@code met} or {@code missed} ({@code checked_at} says when; a miss raised the {@code deadline_missed} event).
     */
    public record DeadlineView(Instant dueAt, String state, Instant checkedAt) {}

    /** The run's deadlines by task id, the run's own under {@link #RUN}. */
    static Map<String, DeadlineView> ofRun(DSLContext dsl, long runKey) {
        Map<String, DeadlineView> out = new HashMap<>();
        dsl.fetch("select task_id, due_at, state, checked_at from run_deadline where run_id = ?", runKey)
                .forEach(r -> {
                    String task = r.get("task_id", String.class);
                    out.put(
                            task == null ? RUN : task,
                            new DeadlineView(
                                    RunQueries.t(r.get("due_at", OffsetDateTime.class)),
                                    r.get("state", String.class),
                                    RunQueries.t(r.get("checked_at", OffsetDateTime.class))));
                });
        return out;
    }
}
