package dev.sluice.task;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What a branch task ({@code branch: true}) chose: the {@code next} key of its output, a task id or a list of ids,
 * each a direct downstream task of it: part of the task SPI, as any task type may branch. Read by the engine when
 * the attempt ends (a bad choice fails the attempt) and before it decides (the tasks not chosen are skipped).
 */
public final class BranchChoice {
    /** The output key a branch task writes its choice under. */
    public static final String OUTPUT_KEY = "next";

    /** The built-in task type that chooses with a template; its tasks are always branch tasks. */
    public static final String TYPE = "branch";

    private BranchChoice() {}

    /**
     * The ids {@code next} names; an empty list for an empty string or list (choose none: every direct downstream
     * task is skipped). Null when {@code next} is absent or not a string or list of strings.
     */
    public static List<String> ids(Object next) {
        if (next instanceof String s) return s.isBlank() ? List.of() : List.of(s.trim());
        if (!(next instanceof List<?> list)) return null;
        List<String> ids = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof String s)) return null;
            if (!s.isBlank()) ids.add(s.trim());
        }
        return ids;
    }

    /** Why the output is not a valid choice among {@code allowed}, or null when it is. */
    public static String problem(String taskId, Map<String, Object> output, Collection<String> allowed) {
        Object next = output == null ? null : output.get(OUTPUT_KEY);
        String among = "its direct downstream tasks: " + String.join(", ", allowed);
        if (next == null)
            return "branch task '" + taskId + "' wrote no \"" + OUTPUT_KEY
                    + "\" in its output; it must name a task id or a list of ids among " + among;
        List<String> ids = ids(next);
        if (ids == null)
            return "branch task '" + taskId + "' wrote \"" + OUTPUT_KEY + "\": " + describe(next)
                    + "; expected a task id or a list of task ids among " + among;
        List<String> bad = ids.stream().filter(id -> !allowed.contains(id)).toList();
        if (bad.isEmpty()) return null;
        return "branch task '" + taskId + "' chose " + quoted(bad) + ", which "
                + (bad.size() == 1 ? "is not one of " : "are not among ") + among;
    }

    private static String quoted(List<String> ids) {
        return String.join(", ", ids.stream().map(id -> "'" + id + "'").toList());
    }

    private static String describe(Object v) {
        String s = String.valueOf(v);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
