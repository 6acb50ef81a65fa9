package dev.sluice.task.builtin;

import dev.sluice.task.ConfigField;
import dev.sluice.task.Durations;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskSkippedException;
import dev.sluice.task.TaskType;
import dev.sluice.template.TemplateRenderer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every {@code sensor.*} type shares: it checks a condition ("pokes") every {@code poke_interval} until it is
 * met or the sensor's own {@code timeout} has passed, then fails, or with {@code soft_fail} ends skipped.
 *
 * <p>Only {@code mode: poke} exists yet: the sensor holds its worker slot while it waits. Waiting is a plain sleep
 * that cancels and the task's own {@code timeout:} interrupt at once.
 */
abstract class Sensor implements TaskType {
    static final Duration MIN_POKE_INTERVAL = Duration.ofSeconds(1);

    /** One check's result: whether the condition holds, a few words on what was seen, what matched (output). */
    record Poke(boolean met, String seen, Map<String, Object> matched) {
        static Poke no(String seen) {
            return new Poke(false, seen, Map.of());
        }
    }

    /** What this sensor checks, besides the common fields. */
    abstract List<ConfigField> sensorFields();

    /** Checks on the sensor's own fields (the common ones are checked here). */
    List<String> validateSensor(Map<String, Object> config) {
        return List.of();
    }

    /** One check. Throw {@link TaskFailedException} for a problem that waiting cannot cure (a bad query). */
    abstract Poke poke(TaskContext ctx) throws Exception;

    @Override
    public final List<ConfigField> configFields() {
        List<ConfigField> fields = new ArrayList<>(sensorFields());
        fields.add(ConfigField.optional(
                "poke_interval", FieldType.DURATION, "30s", "time between two checks; at least 1s"));
        fields.add(ConfigField.optional(
                "timeout",
                FieldType.DURATION,
                "1h",
                "how long the sensor waits for its condition (distinct from the task's own timeout:)"));
        fields.add(ConfigField.optional(
                "soft_fail", FieldType.BOOLEAN, false, "on the sensor's timeout end skipped instead of failed"));
        fields.add(ConfigField.optional(
                "mode", FieldType.STRING, "poke", "poke: hold the worker slot while waiting (the only mode yet)"));
        return fields;
    }

    @Override
    public final List<String> validate(Map<String, Object> config) {
        List<String> problems = new ArrayList<>(validateSensor(config));
        if (config.get("mode") instanceof String m
                && !TemplateRenderer.isTemplate(m)
                && !m.strip().equals("poke")) {
            problems.add("mode: only poke is supported yet, got \"" + m + "\"");
        }
        if (config.get("poke_interval") instanceof String p && !TemplateRenderer.isTemplate(p)) {
            String problem = intervalProblem(p);
            if (problem != null) problems.add("poke_interval: " + problem);
        }
        if (config.get("timeout") instanceof String t && !TemplateRenderer.isTemplate(t)) {
            try {
                if (Durations.parse(t).isZero()) problems.add("timeout: must be more than zero");
            } catch (IllegalArgumentException e) {
                // FieldType.DURATION reports it
            }
        }
        return problems;
    }

    private static String intervalProblem(String text) {
        try {
            return Durations.parse(text).compareTo(MIN_POKE_INTERVAL) < 0 ? "must be at least 1s, got " + text : null;
        } catch (IllegalArgumentException e) {
            return null; // FieldType.DURATION reports it at load time
        }
    }

    @Override
    public final TaskResult execute(TaskContext ctx) throws Exception {
        Map<String, Object> c = ctx.config();
        // Templated values are only known now: checked again as at load time.
        if (!"poke".equals(String.valueOf(c.getOrDefault("mode", "poke")).strip())) {
            throw new TaskFailedException("mode: only poke is supported yet, got \"" + c.get("mode") + "\"");
        }
        Duration interval = duration(c, "poke_interval");
        String problem = intervalProblem(String.valueOf(c.get("poke_interval")));
        if (problem != null) throw new TaskFailedException("poke_interval: " + problem);
        Duration timeout = duration(c, "timeout");
        boolean softFail = bool(c.get("soft_fail"), "soft_fail");

        Instant start = ctx.clock().instant();
        int pokes = 0;
        while (true) {
            if (ctx.isCancelled()) throw new InterruptedException();
            Poke p = poke(ctx);
            pokes++;
            ctx.log().println("[sensor] poke " + pokes + ": " + p.seen() + " -> " + (p.met() ? "met" : "not yet"));
            ctx.log().flush();
            Duration waited = Duration.between(start, ctx.clock().instant());
            if (p.met()) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("poked", pokes);
                out.put("waited_seconds", waited.toMillis() / 1000.0);
                out.putAll(p.matched());
                return TaskResult.of(out);
            }
            Duration left = timeout.minus(waited);
            if (!left.isPositive()) {
                String why =
                        "sensor timed out after " + Durations.format(timeout) + " (" + pokes + " pokes): " + p.seen();
                if (softFail) throw new TaskSkippedException(why);
                throw new TaskFailedException(why);
            }
            // Cancels and the task's timeout interrupt this sleep; the last poke falls on the sensor's timeout.
            Thread.sleep(Math.max(1, (left.compareTo(interval) < 0 ? left : interval).toMillis()));
        }
    }

    static Duration duration(Map<String, Object> c, String field) throws TaskFailedException {
        try {
            return Durations.parse(String.valueOf(c.get(field)));
        } catch (IllegalArgumentException e) {
            throw new TaskFailedException(field + ": " + e.getMessage());
        }
    }

    /** A boolean as written or as a template rendered it (templates render to text). */
    static boolean bool(Object value, String field) throws TaskFailedException {
        if (value instanceof Boolean b) return b;
        String text = String.valueOf(value).strip();
        if (text.equalsIgnoreCase("true")) return true;
        if (text.equalsIgnoreCase("false") || text.isEmpty() || text.equals("null")) return false;
        throw new TaskFailedException(field + ": expected true or false, got \"" + value + "\"");
    }
}
