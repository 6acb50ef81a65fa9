package dev.sluice.dag;

import dev.sluice.task.ConfigField;
import dev.sluice.task.TaskType;
import dev.sluice.task.TaskTypeRegistry;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The semantic checks shared by the YAML parser and the Java builder: ids, schedule, timezone, params, task types
 * and their config, the dependency graph. Works on an assembled {@link Dag}; shape errors (wrong YAML types, bad
 * durations) are found earlier by whoever assembled it.
 */
final class DagValidator {
    static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_-]+");

    private DagValidator() {}

    /**
     * How error paths name each task: by id when it has a usable one ({@code tasks[load]}), which reads better and
     * survives reordering the file, else by position ({@code tasks[3]}). A repeated id is named by position, so
     * the two tasks' errors do not share a name.
     */
    static List<String> taskPaths(List<String> ids) {
        List<String> paths = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            boolean byId = id != null && LABEL.matcher(id).matches() && seen.add(id);
            paths.add("tasks[" + (byId ? id : String.valueOf(i)) + "]");
        }
        return paths;
    }

    static void validate(Dag dag, TaskTypeRegistry registry, Problems problems) {
        List<String> paths = taskPaths(dag.tasks().stream().map(TaskDef::id).toList());
        checkDag(dag, problems);
        checkParams(dag, problems);
        Map<String, Integer> firstIndex = checkTasks(dag, paths, registry, problems);
        checkDependencies(dag, paths, firstIndex, problems);
        checkBranches(dag, paths, problems);
        checkAssets(dag, paths, problems);
        checkMappings(dag, paths, problems);
        new CycleFinder(dag, paths, firstIndex, problems).run();
    }

    private static void checkDag(Dag dag, Problems p) {
        if (dag.id() == null) p.addUnlessReported("id", "is required");
        else if (!ID.matcher(dag.id()).matches())
            p.add("id", "invalid id '" + dag.id() + "': use lower case letters, digits and _, starting with a letter");
        if (dag.schedule() != null) {
            String problem = Schedules.problem(dag.schedule());
            if (problem != null) p.add("schedule", problem);
        }
        if (dag.timezone() != null) {
            try {
                ZoneId.of(dag.timezone());
            } catch (DateTimeException e) {
                p.add(
                        "timezone",
                        "unknown timezone '" + dag.timezone() + "' (use a zone id such as UTC or Europe/Paris)");
            }
        }
        if (dag.startDate() != null && dag.endDate() != null && dag.endDate().isBefore(dag.startDate())) {
            p.add("end_date", "is before start_date " + dag.startDate());
        }
        if (dag.maxActiveRuns() < 1) p.add("max_active_runs", "must be 1 or more, got " + dag.maxActiveRuns());
        if (dag.maxActiveTasks() < 1) p.add("max_active_tasks", "must be 1 or more, got " + dag.maxActiveTasks());
    }

    private static void checkParams(Dag dag, Problems p) {
        Map<String, String> variables = new HashMap<>();
        for (ParamSpec param : dag.params().values()) {
            String path = "params." + param.name();
            if (!PARAM_NAME.matcher(param.name()).matches()) {
                p.add(path, "invalid param name '" + param.name() + "': use letters, digits and _");
            } else {
                // Params reach task processes as SLUICE_PARAM_<NAME>: two names differing only in case would collide.
                String other = variables.putIfAbsent(param.name().toUpperCase(java.util.Locale.ROOT), param.name());
                if (other != null) {
                    p.add(
                            path,
                            "param '" + param.name() + "' and param '" + other + "' differ only in case;"
                                    + " both would be SLUICE_PARAM_"
                                    + param.name().toUpperCase(java.util.Locale.ROOT));
                }
            }
            if (param.type() == null) {
                p.addUnlessReported(
                        path + ".type", "give a type (string, number, integer, boolean, list, object) or a default");
                continue;
            }
            if (checkRange(param, path, p) && checkEnum(param, path, p) && param.defaultValue() != null) {
                String problem = param.check(param.defaultValue());
                if (problem != null) p.add(path + ".default", problem);
            }
        }
    }

    /** minimum and maximum: for number and integer params, finite, in order. False when they are unusable. */
    private static boolean checkRange(ParamSpec param, String path, Problems p) {
        boolean ok = true;
        boolean numeric = param.type() == ParamSpec.ParamType.NUMBER || param.type() == ParamSpec.ParamType.INTEGER;
        for (var bound : List.of(
                Map.entry("minimum", java.util.Optional.ofNullable(param.minimum())),
                Map.entry("maximum", java.util.Optional.ofNullable(param.maximum())))) {
            if (bound.getValue().isEmpty()) continue;
            Number n = bound.getValue().get();
            String problem = !numeric
                    ? "applies to number and integer params, not "
                            + param.type().yamlName()
                    : param.type().check(n);
            if (problem != null) {
                p.add(path + "." + bound.getKey(), problem);
                ok = false;
            }
        }
        if (ok
                && param.minimum() != null
                && param.maximum() != null
                && ParamSpec.decimal(param.minimum()).compareTo(ParamSpec.decimal(param.maximum())) > 0) {
            p.add(path + ".minimum", "is greater than maximum " + ParamSpec.plain(param.maximum()));
            ok = false;
        }
        return ok;
    }

    /** enum: a non-empty list of values of the param's type, each within the range. */
    private static boolean checkEnum(ParamSpec param, String path, Problems p) {
        if (param.enumValues() == null) return true;
        if (param.type() == ParamSpec.ParamType.LIST || param.type() == ParamSpec.ParamType.OBJECT) {
            p.add(
                    path + ".enum",
                    "applies to string, number, integer and boolean params, not "
                            + param.type().yamlName());
            return false;
        }
        if (param.enumValues().isEmpty()) {
            p.add(path + ".enum", "lists no value: give at least one");
            return false;
        }
        ParamSpec rangeOnly =
                new ParamSpec(param.name(), param.type(), null, null, param.minimum(), param.maximum(), null);
        boolean ok = true;
        for (int i = 0; i < param.enumValues().size(); i++) {
            Object v = param.enumValues().get(i);
            String problem = v == null ? "null is not an allowed value" : rangeOnly.check(v);
            if (problem != null) {
                p.add(path + ".enum[" + i + "]", problem);
                ok = false;
            }
        }
        return ok;
    }

    /** Returns each task id's first position, for the graph checks. */
    private static Map<String, Integer> checkTasks(Dag dag, List<String> paths, TaskTypeRegistry registry, Problems p) {
        if (dag.tasks().isEmpty()) p.addUnlessReported("tasks", "a DAG needs at least one task");
        Map<String, Integer> firstIndex = new LinkedHashMap<>();
        for (int i = 0; i < dag.tasks().size(); i++) {
            TaskDef task = dag.tasks().get(i);
            String path = paths.get(i);
            if (task.id() == null) {
                p.addUnlessReported(path + ".id", "is required");
            } else if (!ID.matcher(task.id()).matches()) {
                p.add(
                        path + ".id",
                        "invalid task id '" + task.id()
                                + "': use lower case letters, digits and _, starting with a letter");
            } else {
                Integer first = firstIndex.putIfAbsent(task.id(), i);
                if (first != null)
                    p.add(path + ".id", "duplicate task id '" + task.id() + "' (also tasks[" + first + "])");
            }
            checkType(task, path, registry, p);
        }
        return firstIndex;
    }

    private static void checkType(TaskDef task, String path, TaskTypeRegistry registry, Problems p) {
        if (task.type() == null) {
            p.addUnlessReported(path + ".type", "is required");
            return;
        }
        TaskType type = registry.get(task.type());
        if (type == null) {
            List<String> known = registry.all().stream().map(TaskType::name).toList();
            String closest = KeySuggestions.closest(task.type(), known);
            p.add(
                    path + ".type",
                    "unknown task type '" + task.type() + "'"
                            + (closest != null
                                    ? " (did you mean '" + closest + "'?)"
                                    : " (known types: " + String.join(", ", known) + ")"));
            return;
        }
        checkConfig(task, type, path + ".config", p);
    }

    private static void checkConfig(TaskDef task, TaskType type, String path, Problems p) {
        Map<String, ConfigField> fields = new LinkedHashMap<>();
        for (ConfigField f : type.configFields()) fields.put(f.name(), f);
        for (Map.Entry<String, Object> e : task.config().entrySet()) {
            ConfigField field = fields.get(e.getKey());
            if (field == null) {
                p.add(
                        path + "." + e.getKey(),
                        KeySuggestions.unknownKey(e.getKey(), fields.keySet()) + " for task type '" + type.name()
                                + "'");
                continue;
            }
            String problem = field.type().check(e.getValue());
            if (problem != null) p.add(path + "." + e.getKey(), problem);
        }
        for (ConfigField f : fields.values()) {
            if (f.required() && task.config().get(f.name()) == null) {
                p.add(path + "." + f.name(), "is required by task type '" + type.name() + "'");
            }
        }
        List<String> messages;
        try {
            messages = type.validate(task.config());
        } catch (RuntimeException e) {
            // A plugin's bug must not hide the other DAG errors, nor stop other DAGs from loading.
            messages = List.of("task type '" + type.name() + "' failed to check its config: " + e);
        }
        for (String m : messages) p.add(path, m);
    }

    private static void checkDependencies(Dag dag, List<String> paths, Map<String, Integer> known, Problems p) {
        for (int i = 0; i < dag.tasks().size(); i++) {
            TaskDef task = dag.tasks().get(i);
            String path = paths.get(i) + ".depends_on";
            Set<String> seen = new HashSet<>();
            for (int d = 0; d < task.dependsOn().size(); d++) {
                String dep = task.dependsOn().get(d);
                String depPath = path + "[" + d + "]";
                if (!seen.add(dep)) {
                    p.add(depPath, "lists '" + dep + "' twice");
                } else if (!known.containsKey(dep)) {
                    String closest = KeySuggestions.closest(dep, known.keySet());
                    p.add(
                            depPath,
                            "unknown task '" + dep + "'"
                                    + (closest != null ? " (did you mean '" + closest + "'?)" : ""));
                }
            }
        }
    }

    /**
     * A branch task chooses among its direct downstream tasks, so it needs some; a {@code branch} task whose
     * {@code choose} is plain text (no template) must name them now rather than fail its first run.
     */
    private static void checkBranches(Dag dag, List<String> paths, Problems p) {
        Map<String, List<String>> downstream = new HashMap<>();
        for (TaskDef t : dag.tasks())
            for (String up : t.dependsOn())
                downstream.computeIfAbsent(up, k -> new ArrayList<>()).add(t.id());
        for (int i = 0; i < dag.tasks().size(); i++) {
            TaskDef task = dag.tasks().get(i);
            if (!task.branch() || task.id() == null) continue;
            List<String> next = downstream.getOrDefault(task.id(), List.of());
            String path = paths.get(i);
            if (next.isEmpty()) {
                p.add(
                        TaskDef.BRANCH_TYPE.equals(task.type()) ? path + ".type" : path + ".branch",
                        "a branch task needs downstream tasks to choose from: no task depends on '" + task.id() + "'");
                continue;
            }
            Object choose = task.config().get("choose");
            if (TaskDef.BRANCH_TYPE.equals(task.type()) && !isTemplate(choose)) {
                List<String> ids = choose instanceof String s
                        ? List.of(s)
                        : choose instanceof List<?> l && l.stream().allMatch(o -> o instanceof String)
                                ? l.stream().map(String.class::cast).toList()
                                : List.of();
                for (String id : ids) {
                    if (!id.isBlank() && !next.contains(id.trim()))
                        p.add(
                                path + ".config.choose",
                                "'" + id + "' is not a direct downstream task of '" + task.id() + "' (those are: "
                                        + String.join(", ", next) + ")");
                }
            }
        }
    }

    /**
     * The asset URIs of {@code schedule: {assets}} and of each task's {@code outlets}: valid, listed once; a DAG is
     * scheduled by cron or by assets, not both.
     */
    private static void checkAssets(Dag dag, List<String> paths, Problems p) {
        AssetSchedule on = dag.assetSchedule();
        if (on != null) {
            if (dag.schedule() != null)
                p.add(
                        "schedule",
                        "a DAG runs on a cron or on assets, not both: drop the cron '" + dag.schedule()
                                + "' or the assets");
            if (on.assets().isEmpty())
                p.addUnlessReported("schedule.assets", "lists no assets: give at least one asset URI");
            checkUris(on.assets(), "schedule.assets", p);
        }
        for (int i = 0; i < dag.tasks().size(); i++)
            checkUris(dag.tasks().get(i).outlets(), paths.get(i) + ".outlets", p);
    }

    private static void checkUris(List<String> uris, String path, Problems p) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < uris.size(); i++) {
            String uri = uris.get(i);
            String problem = AssetUris.problem(uri);
            if (problem != null) p.add(path + "[" + i + "]", problem);
            else if (!seen.add(uri)) p.add(path + "[" + i + "]", "lists '" + uri + "' twice");
        }
    }

    /**
     * A mapped task's {@code expand:}: a usable name, and a source that exists — a declared list param, or a task
     * upstream of it (directly or not: its output must exist when the task becomes ready). Not for branch tasks: a
     * branch chooses once for the task, not per item.
     */
    private static void checkMappings(Dag dag, List<String> paths, Problems p) {
        Map<String, List<String>> upstream = new HashMap<>();
        Set<String> ids = new HashSet<>();
        for (TaskDef t : dag.tasks()) {
            if (t.id() == null) continue;
            upstream.putIfAbsent(t.id(), t.dependsOn());
            ids.add(t.id());
        }
        for (int i = 0; i < dag.tasks().size(); i++) {
            TaskDef task = dag.tasks().get(i);
            TaskMapping m = task.mapping();
            if (m == null) continue;
            String path = paths.get(i) + ".expand";
            if (!PARAM_NAME.matcher(m.name()).matches()) {
                p.add(path + "." + m.name(), "invalid expand name '" + m.name() + "': use letters, digits and _");
                continue;
            }
            String itemPath = path + "." + m.name();
            if (task.branch()) p.add(path, "a branch task cannot be mapped: it chooses once for the whole task");
            if (m.items() != null) continue;
            TaskMapping.Source source = m.source();
            if (source == null) {
                p.add(itemPath, "expected " + TaskMapping.FORMS + ", got \"" + m.from() + "\"");
                continue;
            }
            if (source.kind() == TaskMapping.SourceKind.PARAMS) {
                String name = source.path().get(0);
                ParamSpec param = dag.params().get(name);
                if (param == null) {
                    p.add(
                            itemPath,
                            "unknown param '" + name + "'"
                                    + (dag.params().isEmpty()
                                            ? " (the DAG declares no params)"
                                            : " (declared: "
                                                    + String.join(
                                                            ", ", dag.params().keySet()) + ")"));
                } else if (source.path().size() == 1
                        && param.type() != null
                        && param.type() != ParamSpec.ParamType.LIST) {
                    p.add(
                            itemPath,
                            "param '" + name + "' is of type " + param.type().yamlName() + "; expand needs a list");
                }
                continue;
            }
            String from = source.taskId();
            if (!ids.contains(from)) {
                p.add(itemPath, "unknown task '" + from + "' in " + m.from());
            } else if (task.id() != null && !upstreamOf(task.id(), upstream).contains(from)) {
                p.add(
                        itemPath,
                        "'" + from + "' is not upstream of '" + task.id()
                                + "': a mapped task reads the output of a task it depends on (add it to depends_on)");
            }
        }
    }

    /** Every task {@code id} depends on, directly or not (cycles are reported elsewhere; the walk stops on them). */
    private static Set<String> upstreamOf(String id, Map<String, List<String>> upstream) {
        Set<String> seen = new HashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(upstream.getOrDefault(id, List.of()));
        while (!todo.isEmpty()) {
            String n = todo.poll();
            if (n != null && seen.add(n)) todo.addAll(upstream.getOrDefault(n, List.of()));
        }
        return seen;
    }

    private static boolean isTemplate(Object v) {
        if (v instanceof String s) return s.contains("{{") || s.contains("{%");
        if (v instanceof List<?> l) return l.stream().anyMatch(DagValidator::isTemplate);
        return false;
    }

    /**
     * Depth-first search along "runs before" edges, so a cycle prints in execution order: {@code a -> b} means b
     * depends on a. Each cycle is reported once, starting from its first-declared task.
     */
    private static final class CycleFinder {
        private final List<String> paths;
        private final Map<String, Integer> index;
        private final Problems problems;
        private final Map<String, List<String>> downstream = new HashMap<>();
        private final Map<String, Integer> color = new HashMap<>(); // absent: new, 1: on stack, 2: done
        private final List<String> stack = new ArrayList<>();
        private final Set<String> reported = new HashSet<>();

        CycleFinder(Dag dag, List<String> paths, Map<String, Integer> index, Problems problems) {
            this.paths = paths;
            this.index = index;
            this.problems = problems;
            for (String id : index.keySet()) downstream.put(id, new ArrayList<>());
            for (String id : index.keySet()) {
                for (String dep :
                        new LinkedHashSet<>(dag.tasks().get(index.get(id)).dependsOn())) {
                    if (downstream.containsKey(dep)) downstream.get(dep).add(id);
                }
            }
        }

        void run() {
            for (String id : index.keySet()) if (!color.containsKey(id)) visit(id);
        }

        private void visit(String id) {
            color.put(id, 1);
            stack.add(id);
            for (String next : downstream.get(id)) {
                Integer c = color.get(next);
                if (c == null) visit(next);
                else if (c == 1) report(new ArrayList<>(stack.subList(stack.indexOf(next), stack.size())));
            }
            stack.remove(stack.size() - 1);
            color.put(id, 2);
        }

        private void report(List<String> cycle) {
            int start = 0;
            for (int i = 1; i < cycle.size(); i++) if (index.get(cycle.get(i)) < index.get(cycle.get(start))) start = i;
            List<String> rotated = new ArrayList<>(cycle.subList(start, cycle.size()));
            rotated.addAll(cycle.subList(0, start));
            if (!reported.add(String.join(",", rotated))) return;
            rotated.add(rotated.get(0));
            String first = rotated.get(0);
            problems.add(paths.get(index.get(first)) + ".depends_on", "cycle: " + String.join(" -> ", rotated));
        }
    }
}
