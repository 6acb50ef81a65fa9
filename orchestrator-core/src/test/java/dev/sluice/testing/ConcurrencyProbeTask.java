package dev.sluice.testing;

import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Sleeps, and records per {@code group} how many of its kind ran at once at most. */
public final class ConcurrencyProbeTask implements TaskType {
    private final Map<String, AtomicInteger> now = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> max = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "probe";
    }

    @Override
    public List<ConfigField> configFields() {
        return List.of(
                ConfigField.required("group", FieldType.STRING, "what to count together"),
                ConfigField.optional("sleep_ms", FieldType.INTEGER, 100, "how long to hold the slot"));
    }

    @Override
    public TaskResult execute(TaskContext ctx) throws Exception {
        String group = (String) ctx.config().get("group");
        int n = now.computeIfAbsent(group, g -> new AtomicInteger()).incrementAndGet();
        max.computeIfAbsent(group, g -> new AtomicInteger()).accumulateAndGet(n, Math::max);
        try {
            Thread.sleep(((Number) ctx.config().get("sleep_ms")).longValue());
        } finally {
            now.get(group).decrementAndGet();
        }
        return TaskResult.of(Map.of());
    }

    public int maxConcurrent(String group) {
        AtomicInteger m = max.get(group);
        return m == null ? 0 : m.get();
    }
}
