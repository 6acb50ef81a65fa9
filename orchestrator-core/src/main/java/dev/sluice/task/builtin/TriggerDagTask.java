package dev.sluice.task.builtin;

import dev.sluice.task.ConfigField;
import dev.sluice.task.DagRunTrigger;
import dev.sluice.task.DagRunTrigger.TriggeredRun;
import dev.sluice.task.Durations;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import dev.sluice.template.TemplateRenderer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts a run of another DAG ({@code dag_id}) with {@code params}, through the engine's own run creation, so the
 * params are checked against that DAG's declarations as an API trigger's are. With {@code wait: true} the task
 * waits for the run to end and adopts its outcome: success, or a failure naming the run and its state.
 *
 * <p>Waiting polls the run's state every {@code poll_interval} and holds the worker slot meanwhile (like a poke-mode
 * sensor); bound it with the task's own {@code timeout:}. When this task is cancelled or times out it stops waiting
 * and the triggered run goes on (as in Airflow): it is another DAG's run, cancelled on its own if need be.
 *
 * <p>The run is recorded as triggered by this task of this run; a retry finds the run its earlier attempt started at
 * the same logical date and waits for it rather than failing on the duplicate. A DAG may trigger itself (a chain of
 * runs), but at a logical date other than its own run's, or the run it would start already exists.
 */
public final class TriggerDagTask implements TaskType {
    static final int TRIGGERED_BY_MAX = 250; // dag_run.triggered_by

    @Override
    public String name() {
        return "trigger_dag";
    }

    @Override
    public String description() {
        return "Starts a run of another DAG, optionally waiting for it and adopting its outcome";
    }

    @Override
    public List<ConfigField> configFields() {
        return List.of(
                ConfigField.required("dag_id", FieldType.STRING, "the DAG to run"),
                ConfigField.optional(
                        "params", FieldType.MAP, Map.of(), "its run's params, checked against its declarations"),
                ConfigField.optional(
                        "wait", FieldType.BOOLEAN, false, "wait for the run to end and succeed or fail with it"),
                ConfigField.optional(
                        "logical_date",
                        FieldType.STRING,
                        null,
                        "the run's logical date, ISO-8601 (2026-01-01T00:00:00Z); default: this run's"),
                ConfigField.optional(
                        "poll_interval", FieldType.DURATION, "10s", "how often a waiting task reads the run's state"));
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> problems = new ArrayList<>();
        if (config.get("dag_id") instanceof String id && id.isBlank()) problems.add("dag_id: must not be empty");
        if (config.get("logical_date") instanceof String d && !TemplateRenderer.isTemplate(d)) {
            try {
                date(d);
            } catch (IllegalArgumentException e) {
                problems.add("logical_date: " + e.getMessage());
            }
        }
        if (config.get("poll_interval") instanceof String p && !TemplateRenderer.isTemplate(p)) {
            try {
                if (Durations.parse(p).isZero()) problems.add("poll_interval: must be more than zero");
            } catch (IllegalArgumentException e) {
                // FieldType.DURATION reports it
            }
        }
        return problems;
    }

    @Override
    public TaskResult execute(TaskContext ctx) throws Exception {
        Map<String, Object> config = ctx.config();
        String dagId = String.valueOf(config.get("dag_id")).strip();
        @SuppressWarnings("unchecked")
        Map<String, Object> params = config.get("params") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Object dateText = config.get("logical_date");
        Instant date;
        try {
            date = dateText == null || String.valueOf(dateText).isBlank()
                    ? ctx.logicalDate()
                    : date(String.valueOf(dateText));
        } catch (IllegalArgumentException e) {
            throw new TaskFailedException("logical_date: " + e.getMessage());
        }
        boolean wait = waits(config.get("wait")); // a bad rendered value fails before any run is started
        Duration poll;
        try {
            poll = Durations.parse(String.valueOf(config.get("poll_interval")));
        } catch (IllegalArgumentException e) {
            throw new TaskFailedException("poll_interval: " + e.getMessage());
        }
        if (poll.isZero()) throw new TaskFailedException("poll_interval: must be more than zero");
        DagRunTrigger trigger = ctx.service(DagRunTrigger.class)
                .orElseThrow(() -> new TaskFailedException("this node offers no run trigger to start DAG " + dagId));
        TriggeredRun run;
        try {
            run = trigger.trigger(dagId, date, params, triggeredBy(ctx));
        } catch (DagRunTrigger.RefusedException e) {
            throw new TaskFailedException("cannot trigger DAG " + dagId + ": " + e.getMessage());
        }
        ctx.log()
                .println("[sluice] " + (run.existing() ? "found the run an earlier attempt started: " : "triggered ")
                        + run.dagId() + "/" + run.runId());
        ctx.log().flush();
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("run_id", run.runId());
        output.put("dag_id", run.dagId());
        output.put("logical_date", run.logicalDate().toString());
        if (!wait) return TaskResult.of(output);

        String state = await(ctx, trigger, run, poll);
        output.put("state", state);
        return TaskResult.of(output);
    }

    /** Polls until the run ends; success returns, any other end fails the task naming the run. */
    private static String await(TaskContext ctx, DagRunTrigger trigger, TriggeredRun run, Duration poll)
            throws Exception {
        String name = run.dagId() + "/" + run.runId();
        try {
            while (true) {
                String state = trigger.state(run.runKey())
                        .orElseThrow(() -> new TaskFailedException("run " + name + " was deleted while waited for"));
                switch (state) {
                    case "success" -> {
                        ctx.log().println("[sluice] run " + name + " succeeded");
                        return state;
                    }
                    case "failed", "cancelled" -> throw new TaskFailedException("triggered run " + name + " " + state);
                    default -> {} // queued or running
                }
                if (ctx.isCancelled()) throw new InterruptedException();
                // Cancels and timeouts interrupt this sleep: waiting costs one read per interval, nothing between.
                Thread.sleep(poll.toMillis());
            }
        } catch (InterruptedException e) {
            ctx.log().println("[sluice] stopped waiting; run " + name + " goes on");
            ctx.log().flush();
            throw e;
        }
    }

    /** {@code wait} as written or as a template rendered it ("true"/"false": templates render to text). */
    private static boolean waits(Object wait) throws TaskFailedException {
        if (wait instanceof Boolean b) return b;
        String text = String.valueOf(wait).strip();
        if (text.equalsIgnoreCase("true")) return true;
        if (text.equalsIgnoreCase("false") || text.isEmpty()) return false;
        throw new TaskFailedException("wait: expected true or false, got \"" + wait + "\"");
    }

    /** Who the run was triggered by: this task of this run, which a retry recognises as its own. */
    static String triggeredBy(TaskContext ctx) {
        String by = "trigger_dag " + ctx.dagId() + "/" + ctx.runId() + "/" + ctx.taskId();
        if (by.length() <= TRIGGERED_BY_MAX) return by;
        // Very long ids: the run key keeps it unique where the names would be cut.
        String key = "trigger_dag run#" + ctx.runKey() + "/";
        return key + ctx.taskId().substring(0, Math.min(ctx.taskId().length(), TRIGGERED_BY_MAX - key.length()));
    }

    /** An ISO-8601 instant, offset date-time, or date (midnight UTC). */
    static Instant date(String text) {
        String t = text.strip();
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException(
                        "expected an ISO-8601 date or date-time such as 2026-01-01T00:00:00Z, got \"" + text + "\"");
            }
        }
    }
}
