package dev.sluice.task.builtin;

import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.RunHistory;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.template.TemplateRenderer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Waits until another DAG's run at this run's logical date (or {@code logical_date}) succeeded, or with
 * {@code task_id} until that task of it did (every instance, for a mapped task). Read through {@link RunHistory}.
 * A run or task that ended otherwise is still "not yet": it may be cleared and run again within the timeout.
 */
public final class ExternalTaskSensor extends Sensor {
    @Override
    public String name() {
        return "sensor.external_task";
    }

    @Override
    public String description() {
        return "Waits until another DAG's run (or one task of it) at a logical date succeeded";
    }

    @Override
    List<ConfigField> sensorFields() {
        return List.of(
                ConfigField.required("dag_id", FieldType.STRING, "the DAG whose run is waited for"),
                ConfigField.optional("task_id", FieldType.STRING, null, "wait for this task only, not the whole run"),
                ConfigField.optional(
                        "logical_date",
                        FieldType.STRING,
                        null,
                        "the run's logical date, ISO-8601 (2026-01-01T00:00:00Z); default: this run's"));
    }

    @Override
    List<String> validateSensor(Map<String, Object> config) {
        List<String> problems = new ArrayList<>();
        if (config.get("dag_id") instanceof String id && id.isBlank()) problems.add("dag_id: must not be empty");
        if (config.get("logical_date") instanceof String d && !TemplateRenderer.isTemplate(d)) {
            try {
                TriggerDagTask.date(d);
            } catch (IllegalArgumentException e) {
                problems.add("logical_date: " + e.getMessage());
            }
        }
        return problems;
    }

    @Override
    Poke poke(TaskContext ctx) throws Exception {
        Map<String, Object> c = ctx.config();
        String dagId = String.valueOf(c.get("dag_id")).strip();
        String taskId =
                c.get("task_id") == null || String.valueOf(c.get("task_id")).isBlank()
                        ? null
                        : String.valueOf(c.get("task_id")).strip();
        Instant date;
        try {
            date = c.get("logical_date") == null
                            || String.valueOf(c.get("logical_date")).isBlank()
                    ? ctx.logicalDate()
                    : TriggerDagTask.date(String.valueOf(c.get("logical_date")));
        } catch (IllegalArgumentException e) {
            throw new TaskFailedException("logical_date: " + e.getMessage());
        }
        RunHistory history = ctx.service(RunHistory.class)
                .orElseThrow(() -> new TaskFailedException("this node offers no run history to read DAG " + dagId));
        String what = dagId + (taskId == null ? "" : "." + taskId) + " at " + date;
        Map<String, Object> matched = new LinkedHashMap<>();
        matched.put("dag_id", dagId);
        matched.put("logical_date", date.toString());
        if (taskId == null) {
            String state = history.runState(dagId, date).orElse(null);
            if (!"success".equals(state)) return Poke.no(what + ": " + (state == null ? "no run" : state));
            return new Poke(true, what + ": success", matched);
        }
        List<String> states = history.taskStates(dagId, date, taskId);
        if (states.isEmpty()) {
            return Poke.no(
                    what + (history.runState(dagId, date).isPresent() ? ": no such task in the run" : ": no run"));
        }
        if (!states.stream().allMatch("success"::equals)) return Poke.no(what + ": " + String.join(",", states));
        matched.put("task_id", taskId);
        return new Poke(true, what + ": success", matched);
    }
}
