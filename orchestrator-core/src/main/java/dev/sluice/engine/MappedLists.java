package dev.sluice.engine;

import dev.sluice.dag.TaskDef;
import dev.sluice.dag.TaskMapping;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads the list a mapped task expands over when the decider makes it ready: its literal items, a run param, or an
 * upstream task's output, followed along the expression's keys. A value that is not a list is the task's failure,
 * with a message naming the task and the expression, not an engine error.
 */
final class MappedLists {
    /**
     * The most instances one mapped task may have: a list beyond it is almost certainly a mistake (a table read
     * whole), and one statement inserting millions of rows would hold the run's lock for minutes.
     */
    static final int MAX_INSTANCES = 100_000;

    private MappedLists() {}

    /** The items, or the problem that fails the task. */
    record Result(List<Object> items, String problem) {}

    /**
     * @param params  the run's params
     * @param outputs an upstream task's output as templates see it (an object; a list for a mapped task), by id
     */
    static Result read(TaskDef task, Map<String, Object> params, Function<String, Object> outputs) {
        TaskMapping m = task.mapping();
        if (m.items() != null) return checked(task, m.items());
        TaskMapping.Source source = m.source();
        if (source == null) return problem(task, "expand " + m.from() + " is not " + TaskMapping.FORMS);
        Object value;
        List<String> keys;
        String where;
        if (source.kind() == TaskMapping.SourceKind.PARAMS) {
            value = params;
            keys = source.path();
            where = "params";
        } else {
            value = outputs.apply(source.taskId());
            if (value == null)
                return problem(task, "expand " + m.from() + ": task '" + source.taskId() + "' has no output");
            keys = source.path();
            where = "tasks." + source.taskId() + ".output";
        }
        for (String key : keys) {
            if (!(value instanceof Map<?, ?> map) || !map.containsKey(key))
                return problem(task, "expand " + m.from() + ": " + where + " has no key '" + key + "'");
            value = map.get(key);
            where = where + "." + key;
        }
        if (!(value instanceof List<?> list))
            return problem(task, "expand " + m.from() + " is not a list: got " + describe(value));
        @SuppressWarnings("unchecked")
        List<Object> items = (List<Object>) list;
        return checked(task, items);
    }

    private static Result checked(TaskDef task, List<Object> items) {
        if (items.size() > MAX_INSTANCES)
            return problem(task, "expand gives " + items.size() + " items; a mapped task has at most " + MAX_INSTANCES);
        return new Result(items, null);
    }

    private static Result problem(TaskDef task, String message) {
        return new Result(null, "mapped task '" + task.id() + "': " + message);
    }

    private static String describe(Object v) {
        if (v == null) return "null";
        if (v instanceof String s) return "a string \"" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "\"";
        if (v instanceof Map) return "an object";
        if (v instanceof Boolean) return "a boolean " + v;
        if (v instanceof Number) return "a number " + v;
        return v.getClass().getSimpleName();
    }
}
