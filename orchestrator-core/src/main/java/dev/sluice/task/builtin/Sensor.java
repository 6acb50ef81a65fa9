package dev.sluice.task.builtin;

import dev.sluice.task.ConfigField;
import dev.sluice.task.Durations;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskRescheduleException;
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
 * <p>{@code mode: poke} holds the worker slot for the whole wait: waiting is a plain sleep that cancels and the
 * task's own {@code timeout:} interrupt at once. {@code mode: reschedule} checks once per attempt and, when the
 * condition does not hold yet, throws {@link TaskRescheduleException}: the slot goes back and the engine runs the
 * next check {@code poke_interval} later, on any node. The sensor's timeout then counts from the wait's first check,
 * which the engine keeps ({@link TaskContext#firstCheckAt()}). Both modes run the same {@link #poke}.
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
                "mode",
                FieldType.STRING,
                "poke",
                "poke: hold the worker slot while waiting; reschedule: give it back between checks"));
        return fields;
    }

    @Override
    public final List<String> validate(Map<String, Object> config) {
        List<String> problems = new ArrayList<>(validateSensor(config));
        if (config.get("mode") instanceof String m && !TemplateRenderer.isTemplate(m)) {
            String problem = modeProblem(m);
            if (problem != null) problems.add("mode: " + problem);
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

    private static String modeProblem(String mode) {
        String m = mode.strip();
        return m.equals("poke") || m.equals("reschedule") ? null : "expected poke or reschedule, got \"" + mode + "\"";
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
        String mode = String.valueOf(c.getOrDefault("mode", "poke"));
        String modeProblem = modeProblem(mode);
        if (modeProblem != null) throw new TaskFailedException("mode: " + modeProblem);
        Duration interval = duration(c, "poke_interval");
        String problem = intervalProblem(String.valueOf(c.get("poke_interval")));
        if (problem != null) throw new TaskFailedException("poke_interval: " + problem);
        Duration timeout = duration(c, "timeout");
        boolean softFail = bool(c.get("soft_fail"), "soft_fail");
        if (mode.strip().equals("reschedule")) return checkOnce(ctx, interval, timeout, softFail);

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
            if (!left.isPositive()) timedOut(timeout, pokes + " pokes", p, softFail);
            // Cancels and the task's timeout interrupt this sleep; the last poke falls on the sensor's timeout.
            Thread.sleep(Math.max(1, (left.compareTo(interval) < 0 ? left : interval).toMillis()));
        }
    }

    /**
     * One check of a reschedule-mode wait: met, the task succeeds; past the sensor's timeout (counted from the
     * wait's first check, whichever node ran it), it fails or skips as in poke mode; otherwise the slot goes back
     * until the next check, never later than the timeout, so the last check falls on it.
     */
    private TaskResult checkOnce(TaskContext ctx, Duration interval, Duration timeout, boolean softFail)
            throws Exception {
        Instant now = ctx.clock().instant();
        Instant first = ctx.firstCheckAt() != null ? ctx.firstCheckAt() : now;
        int check = ctx.rescheduleCount() + 1;
        Poke p = poke(ctx);
        ctx.log().println("[sensor] check " + check + ": " + p.seen() + " -> " + (p.met() ? "met" : "not yet"));
        ctx.log().flush();
        Duration waited = Duration.between(first, ctx.clock().instant());
        if (p.met()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("poked", check);
            out.put("waited_seconds", waited.toMillis() / 1000.0);
            out.putAll(p.matched());
            return TaskResult.of(out);
        }
        Duration left = timeout.minus(waited);
        if (!left.isPositive()) timedOut(timeout, check + " checks", p, softFail);
        throw new TaskRescheduleException(left.compareTo(interval) < 0 ? left : interval, p.seen());
    }

    private static void timedOut(Duration timeout, String tries, Poke last, boolean softFail)
            throws TaskSkippedException, TaskFailedException {
        String why = "sensor timed out after " + Durations.format(timeout) + " (" + tries + "): " + last.seen();
        if (softFail) throw new TaskSkippedException(why);
        throw new TaskFailedException(why);
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
