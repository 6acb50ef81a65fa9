package dev.sluice.template;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** The variables a task's config templates can use. Names follow Airflow's where they mean the same thing. */
public final class TemplateContext {
    private static final DateTimeFormatter DS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DS_NODASH =
            DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    private TemplateContext() {}

    /**
     * Dates are ISO strings in UTC ({@code ds} is the logical date's UTC day, as in Airflow), so a template renders
     * the same on every worker whatever its local zone. {@code tasks.<id>.output.<key>} reads an upstream output; a
     * mapped task's {@code output} is the list of its instances' outputs.
     * Data interval bounds may be null (a manual run has none); they then render as empty text.
     */
    public static Map<String, Object> build(
            String runId,
            Instant logicalDate,
            Instant dataIntervalStart,
            Instant dataIntervalEnd,
            int attempt,
            Map<String, Object> params,
            Map<String, ?> taskOutputs,
            String dagId,
            String taskId) {
        Map<String, Object> ctx = new HashMap<>(); // HashMap: the data interval may be null
        ctx.put("run_id", runId);
        ctx.put("logical_date", logicalDate.toString());
        ctx.put("ds", DS.format(logicalDate));
        ctx.put("ds_nodash", DS_NODASH.format(logicalDate));
        ctx.put("data_interval_start", dataIntervalStart == null ? null : dataIntervalStart.toString());
        ctx.put("data_interval_end", dataIntervalEnd == null ? null : dataIntervalEnd.toString());
        ctx.put("attempt", attempt);
        ctx.put("dag_id", dagId);
        ctx.put("task_id", taskId);
        ctx.put("params", params == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(params)));
        Map<String, Object> tasks = new LinkedHashMap<>();
        if (taskOutputs != null) {
            // A mapped task's output is the list of its instances' outputs, in map-index order.
            taskOutputs.forEach((id, output) -> tasks.put(
                    id,
                    Map.of(
                            "output",
                            output instanceof java.util.List<?> list
                                    ? Collections.unmodifiableList(new java.util.ArrayList<>(list))
                                    : output instanceof Map<?, ?> map
                                            ? Collections.unmodifiableMap(new LinkedHashMap<>(map))
                                            : Map.of())));
        }
        ctx.put("tasks", Collections.unmodifiableMap(tasks));
        return Collections.unmodifiableMap(ctx);
    }
}
