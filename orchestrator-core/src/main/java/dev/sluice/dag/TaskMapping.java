package dev.sluice.dag;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A task's {@code expand: {NAME: LIST}}: the task runs as one instance per item of the list, each seeing its item
 * as {@code {{ expand.NAME }}} and its position as {@code {{ map_index }}}. The list is either written in the DAG
 * ({@code items}) or read when the task becomes ready from an expression ({@code from}): a param
 * ({@code {{ params.x }}}) or an upstream task's output ({@code {{ tasks.ID.output.files }}}).
 *
 * @param maxActiveInstances how many of its instances may run at once; 0: no limit of its own
 */
public record TaskMapping(String name, List<Object> items, String from, int maxActiveInstances) {
    /** Where an expression's list is read from: {@code params} or an upstream task's output, then a key path. */
    public enum SourceKind {
        PARAMS,
        TASK_OUTPUT
    }

    /**
     * A parsed {@code from}: {@code params.a.b} is (PARAMS, null, [a, b]); {@code tasks.t.output.files} is
     * (TASK_OUTPUT, t, [files]).
     */
    public record Source(SourceKind kind, String taskId, List<String> path) {}

    private static final Pattern EXPRESSION = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.-]+)\\s*}}");

    public TaskMapping {
        if (items != null) items = Collections.unmodifiableList(new ArrayList<>(items));
    }

    /** The parsed {@link #from}, or null when it is not one of the two accepted forms (or the list is literal). */
    public Source source() {
        return from == null ? null : parse(from);
    }

    public static Source parse(String expression) {
        Matcher m = EXPRESSION.matcher(expression.trim());
        if (!m.matches()) return null;
        List<String> parts = List.of(m.group(1).split("\\.", -1));
        if (parts.stream().anyMatch(String::isEmpty)) return null;
        if (parts.get(0).equals("params") && parts.size() >= 2)
            return new Source(SourceKind.PARAMS, null, parts.subList(1, parts.size()));
        if (parts.get(0).equals("tasks") && parts.size() >= 3 && parts.get(2).equals("output"))
            return new Source(SourceKind.TASK_OUTPUT, parts.get(1), parts.subList(3, parts.size()));
        return null;
    }

    /** What an expression must look like, for error messages. */
    public static final String FORMS = "a list, \"{{ params.NAME }}\" or \"{{ tasks.ID.output.KEY }}\"";
}
