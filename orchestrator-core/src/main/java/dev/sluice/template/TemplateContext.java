package dev.sluice.template;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

/** The variables a task's config templates can use. */
public final class TemplateContext {
    private TemplateContext() {}

    public static Map<String, Object> build(String runId, Instant logicalDate, Instant dataIntervalStart,
            Instant dataIntervalEnd, int attempt, Map<String, Object> params,
            Map<String, Map<String, Object>> taskOutputs, String dagId, String taskId) {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("run_id", runId);
        ctx.put("dag_id", dagId);
        ctx.put("task_id", taskId);
        ctx.put("logical_date", logicalDate.toString());
        ctx.put("ds", DateTimeFormatter.ISO_LOCAL_DATE.format(logicalDate.atOffset(ZoneOffset.UTC)));
        ctx.put("ds_nodash", DateTimeFormatter.BASIC_ISO_DATE.format(logicalDate.atOffset(ZoneOffset.UTC)));
        ctx.put("data_interval_start", String.valueOf(dataIntervalStart == null ? logicalDate : dataIntervalStart));
        ctx.put("data_interval_end", String.valueOf(dataIntervalEnd == null ? logicalDate : dataIntervalEnd));
        ctx.put("attempt", attempt);
        ctx.put("params", params == null ? Map.of() : params);
        Map<String, Object> tasks = new HashMap<>();
        if (taskOutputs != null) taskOutputs.forEach((id, out) -> tasks.put(id, Map.of("output", out)));
        ctx.put("tasks", tasks);
        return ctx;
    }
}
