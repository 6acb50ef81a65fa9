package dev.sluice.dag;

import dev.sluice.dag.ParamSpec.ParamType;
import dev.sluice.task.Durations;
import dev.sluice.task.TaskTypeRegistry;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads one DAG file into a {@link Dag}. Works on SnakeYAML's node tree rather than loaded maps so every problem
 * can name its line, and reports every problem of the file at once in a {@link DagValidationException}.
 *
 * <p>Tasks do not accept {@code description}: {@link TaskDef} has nowhere to keep it, and a key that is accepted
 * but dropped would be a silent surprise. Use a YAML comment.
 */
public final class YamlDagParser {
    static final List<String> DAG_KEYS = List.of(
            "id",
            "description",
            "schedule",
            "timezone",
            "start_date",
            "end_date",
            "catchup",
            "max_active_runs",
            "max_active_tasks",
            "tags",
            "params",
            "defaults",
            "tasks",
            "notifications",
            "deadline");
    static final List<String> NOTIFICATION_KEYS = List.of("webhook_url", "on");
    static final List<String> CHANNEL_KEYS = List.of("type", "url", "url_secret", "to", "on");
    static final List<String> DEADLINE_KEYS = List.of("within", "from");
    static final List<String> ASSET_SCHEDULE_KEYS = List.of("assets", "when");
    private static final Map<String, String> ASSET_SCHEDULE_HINTS = Map.of(
            "cron",
            "a DAG runs on a cron or on assets, not both: give schedule a cron string or {assets: [...], when: all}");
    static final List<String> DEFAULTS_KEYS = List.of(
            "retries", "retry_delay", "retry_backoff", "max_retry_delay", "timeout", "pool", "priority", "queue");
    static final List<String> TASK_KEYS = concat(
            List.of("id", "type", "depends_on", "trigger_rule"),
            DEFAULTS_KEYS,
            List.of("config", "deadline", "branch", "group", "outlets", "expand", "max_active_instances"));
    static final List<String> PARAM_KEYS = List.of("type", "default", "description", "minimum", "maximum", "enum");
    private static final Map<String, String> TASK_KEY_HINTS =
            Map.of("description", "tasks have no description (use a YAML comment)");

    private final TaskTypeRegistry registry;
    private final DagFileLimits limits;

    public YamlDagParser(TaskTypeRegistry registry) {
        this(registry, DagFileLimits.DEFAULT);
    }

    public YamlDagParser(TaskTypeRegistry registry, DagFileLimits limits) {
        this.registry = registry;
        this.limits = limits;
    }

    /** @param file how errors name the file; usually its path */
    public Dag parse(String source, String file) {
        return parse(source, file, new HashMap<>());
    }

    public Dag parse(String source, Path file) {
        return parse(source, file.toString());
    }

    /** As {@link #parse(String, String)}, also filling {@code lines} with each field path's line. */
    Dag parse(String source, String file, Map<String, Integer> lines) {
        Problems problems = new Problems(file, lines);
        Dag dag = new FileReader(problems, lines, limits).read(source);
        if (dag != null) DagValidator.validate(dag, registry, problems);
        problems.throwIfAny();
        return dag;
    }

    /** The state of reading one file. */
    private static final class FileReader {
        private final Problems problems;
        private final Map<String, Integer> lines;
        private final DagFileLimits limits;

        FileReader(Problems problems, Map<String, Integer> lines, DagFileLimits limits) {
            this.problems = problems;
            this.lines = lines;
            this.limits = limits;
        }

        Dag read(String source) {
            // A UTF-8 file has at least as many bytes as its text has chars: longer text cannot be within the limit.
            if (source.length() > limits.maxFileBytes()) {
                problems.addAt(
                        "yaml",
                        1,
                        "the document is larger than the limit of " + limits.maxFileBytes()
                                + " bytes (SLUICE_DAG_FILE_MAX_BYTES)");
                return null;
            }
            Node root;
            try {
                LoaderOptions options = new LoaderOptions();
                options.setAllowDuplicateKeys(false);
                options.setCodePointLimit((int) limits.maxFileBytes());
                root = new Yaml(options).compose(new StringReader(source));
            } catch (MarkedYAMLException e) {
                Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
                String context = e.getContext() == null ? "" : e.getContext() + ": ";
                problems.addAt(
                        "yaml", mark == null ? 1 : mark.getLine() + 1, "syntax error: " + context + e.getProblem());
                return null;
            } catch (YAMLException e) {
                problems.addAt("yaml", 1, "syntax error: " + e.getMessage());
                return null;
            }
            if (root == null) {
                problems.addAt("yaml", 1, "file is empty");
                return null;
            }
            // Composing shares an anchored node between its aliases; reading it below would copy it per alias.
            if (!new AliasExpansion(limits).fits(root, problems)) return null;
            if (!(root instanceof MappingNode)) {
                problems.addAt(
                        "yaml", line(root), "expected a mapping of DAG keys (id, tasks, ...), got " + describe(root));
                return null;
            }
            lines.put("", line(root));
            Map<String, Node> top = entries((MappingNode) root, "", DAG_KEYS, Map.of());
            TaskSettings defaults = top.containsKey("defaults")
                    ? settings(top.get("defaults"), "defaults", DEFAULTS_KEYS, Map.of())
                    : new TaskSettings();
            return new Dag(
                    string(top.get("id"), "id"),
                    string(top.get("description"), "description"),
                    top.get("schedule") instanceof MappingNode ? null : string(top.get("schedule"), "schedule"),
                    or(string(top.get("timezone"), "timezone"), "UTC"),
                    date(top.get("start_date"), "start_date"),
                    date(top.get("end_date"), "end_date"),
                    or(bool(top.get("catchup"), "catchup"), false),
                    or(integer(top.get("max_active_runs"), "max_active_runs"), 16),
                    or(integer(top.get("max_active_tasks"), "max_active_tasks"), 64),
                    or(stringList(top.get("tags"), "tags"), List.of()),
                    params(top.get("params")),
                    tasks(top.get("tasks"), defaults),
                    notifications(top.get("notifications")),
                    deadline(top.get("deadline"), "deadline"),
                    top.get("schedule") instanceof MappingNode m ? assetSchedule(m) : null);
        }

        /**
         * {@code schedule: {assets: [uri, ...], when: all | any}}. An absent {@code assets} is reported here; the
         * URIs themselves are checked by the validator, which the Java builder shares.
         */
        private AssetSchedule assetSchedule(MappingNode mapping) {
            String path = "schedule";
            Map<String, Node> keys = entries(mapping, path, ASSET_SCHEDULE_KEYS, ASSET_SCHEDULE_HINTS);
            List<String> assets = stringList(keys.get("assets"), path + ".assets");
            if (!keys.containsKey("assets") && !mapping.getValue().isEmpty()) {
                problems.addUnlessReported(path + ".assets", "is required: the asset URIs this DAG runs on");
            }
            AssetSchedule.When when = enumValue(
                    keys.get("when"),
                    path + ".when",
                    AssetSchedule.When::fromYaml,
                    AssetSchedule.When.values(),
                    AssetSchedule.When::yamlName,
                    "'when' (assets that must be updated)");
            if (mapping.getValue().isEmpty()) problems.add(path, "lists no assets: give {assets: [uri, ...]}");
            return new AssetSchedule(assets == null ? List.of() : assets, when);
        }

        /** {@code {within: 2h, from: logical_date | queued}}; null when absent or after reporting a problem. */
        private Deadline deadline(Node node, String path) {
            if (node == null || isNull(node)) return null;
            if (!(node instanceof MappingNode mapping)) {
                problems.add(
                        path, "expected a mapping such as {within: 2h, from: logical_date}, got " + describe(node));
                return null;
            }
            Map<String, Node> keys = entries(mapping, path, DEADLINE_KEYS, Map.of());
            if (!keys.containsKey("within")) {
                problems.add(path, "within is required, e.g. {within: 2h}");
                return null;
            }
            Duration within = checked(
                    duration(keys.get("within"), path + ".within"),
                    path + ".within",
                    TaskSettings::checkDeadlineWithin);
            Deadline.From from = enumValue(
                    keys.get("from"),
                    path + ".from",
                    Deadline.From::fromYaml,
                    Deadline.From.values(),
                    Deadline.From::yamlName,
                    "deadline start");
            if (within == null || (keys.containsKey("from") && from == null)) return null;
            return new Deadline(within, from);
        }

        /** The channel list, or the older single-webhook mapping. */
        private Notifications notifications(Node node) {
            if (node == null || isNull(node)) return Notifications.NONE;
            if (node instanceof SequenceNode seq) {
                List<Notifications.Channel> channels = new ArrayList<>();
                for (int i = 0; i < seq.getValue().size(); i++) {
                    String path = "notifications[" + i + "]";
                    Node item = seq.getValue().get(i);
                    lines.putIfAbsent(path, line(item));
                    if (!(item instanceof MappingNode m)) {
                        problems.add(path, "expected a channel mapping (type, url, to, on), got " + describe(item));
                        continue;
                    }
                    Notifications.Channel c = channel(m, path);
                    if (c != null) channels.add(c);
                }
                return new Notifications(channels);
            }
            if (!(node instanceof MappingNode mapping)) {
                problems.add(
                        "notifications",
                        "expected a list of channels (- type: webhook | slack | email), got " + describe(node));
                return Notifications.NONE;
            }
            Map<String, Node> keys = entries(mapping, "notifications", NOTIFICATION_KEYS, Map.of());
            String url = string(keys.get("webhook_url"), "notifications.webhook_url");
            var channel = Notifications.Channel.webhook(url, events(keys.get("on"), "notifications.on"));
            report(channel, "notifications", Map.of("url", "webhook_url"));
            return new Notifications(List.of(channel));
        }

        private Notifications.Channel channel(MappingNode mapping, String path) {
            Map<String, Node> keys = entries(mapping, path, CHANNEL_KEYS, Map.of());
            Notifications.Kind kind = enumValue(
                    keys.get("type"),
                    path + ".type",
                    Notifications.Kind::fromYaml,
                    Notifications.Kind.values(),
                    Notifications.Kind::yamlName,
                    "channel type");
            if (kind == null) {
                if (!keys.containsKey("type")) problems.add(path + ".type", "is required (webhook, slack or email)");
                return null;
            }
            var channel = new Notifications.Channel(
                    kind,
                    string(keys.get("url"), path + ".url"),
                    string(keys.get("url_secret"), path + ".url_secret"),
                    stringList(keys.get("to"), path + ".to"),
                    events(keys.get("on"), path + ".on"));
            report(channel, path, Map.of());
            return channel;
        }

        private void report(Notifications.Channel channel, String path, Map<String, String> renamed) {
            channel.problems().forEach((field, message) -> {
                String shown = renamed.getOrDefault(field, field);
                problems.add(path + "." + shown, message);
            });
        }

        private java.util.Set<Notifications.Event> events(Node node, String path) {
            List<String> names = stringList(node, path);
            if (names == null) return null;
            java.util.Set<Notifications.Event> on = java.util.EnumSet.noneOf(Notifications.Event.class);
            for (int i = 0; i < names.size(); i++) {
                Notifications.Event e = Notifications.Event.fromYaml(names.get(i));
                if (e != null) on.add(e);
                else
                    problems.add(
                            path + "[" + i + "]",
                            "unknown event '" + names.get(i) + "' (use " + Notifications.Event.names() + ")");
            }
            return on;
        }

        private Map<String, ParamSpec> params(Node node) {
            Map<String, ParamSpec> params = new LinkedHashMap<>();
            if (node == null || isNull(node)) return params;
            if (!(node instanceof MappingNode mapping)) {
                problems.add("params", "expected a mapping of param names, got " + describe(node));
                return params;
            }
            Map<String, Integer> seen = new HashMap<>();
            for (NodeTuple t : mapping.getValue()) {
                String name = keyName(t, "params", seen);
                if (name == null) continue;
                String path = "params." + name;
                if (!(t.getValueNode() instanceof MappingNode spec)) {
                    problems.add(
                            path,
                            "expected a mapping with type, default and description, got " + describe(t.getValueNode()));
                    continue;
                }
                Map<String, Node> keys = entries(spec, path, PARAM_KEYS, Map.of());
                ParamType type = enumValue(
                        keys.get("type"),
                        path + ".type",
                        ParamType::fromYaml,
                        ParamType.values(),
                        ParamType::yamlName,
                        "param type");
                Object defaultValue =
                        keys.containsKey("default") ? value(keys.get("default"), path + ".default") : null;
                if (type == null && !keys.containsKey("type")) type = inferType(defaultValue);
                params.put(
                        name,
                        new ParamSpec(
                                name,
                                type,
                                ConfigValues.normalize(defaultValue),
                                string(keys.get("description"), path + ".description"),
                                number(keys.get("minimum"), path + ".minimum"),
                                number(keys.get("maximum"), path + ".maximum"),
                                enumValues(keys.get("enum"), path + ".enum")));
            }
            return params;
        }

        private static ParamType inferType(Object v) {
            if (v instanceof String) return ParamType.STRING;
            if (v instanceof Integer || v instanceof Long) return ParamType.INTEGER;
            if (v instanceof Number) return ParamType.NUMBER;
            if (v instanceof Boolean) return ParamType.BOOLEAN;
            if (v instanceof List) return ParamType.LIST;
            if (v instanceof Map) return ParamType.OBJECT;
            return null;
        }

        private List<TaskDef> tasks(Node node, TaskSettings defaults) {
            List<TaskDef> tasks = new ArrayList<>();
            if (node == null || isNull(node)) return tasks;
            if (!(node instanceof SequenceNode seq)) {
                problems.add("tasks", "expected a list of tasks, got " + describe(node));
                return tasks;
            }
            List<String> ids = seq.getValue().stream()
                    .map(n -> n instanceof MappingNode m ? peekId(m) : null)
                    .toList();
            List<String> paths = DagValidator.taskPaths(ids);
            for (int i = 0; i < seq.getValue().size(); i++) {
                Node item = seq.getValue().get(i);
                if (!(item instanceof MappingNode mapping)) {
                    problems.addAt(
                            paths.get(i), line(item), "expected a task mapping (id, type, ...), got " + describe(item));
                    continue;
                }
                tasks.add(task(mapping, paths.get(i), defaults));
            }
            return tasks;
        }

        private TaskDef task(MappingNode mapping, String path, TaskSettings defaults) {
            lines.putIfAbsent(path, line(mapping));
            Map<String, Node> keys = entries(mapping, path, TASK_KEYS, TASK_KEY_HINTS);
            TaskSettings own = settings(path, keys);
            Map<String, Object> config = Map.of();
            Node configNode = keys.get("config");
            if (configNode != null && !isNull(configNode)) {
                if (configNode instanceof MappingNode) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = (Map<String, Object>) value(configNode, path + ".config");
                    config = m;
                } else {
                    problems.add(path + ".config", "expected a mapping of config keys, got " + describe(configNode));
                }
            }
            TaskDef task = own.resolve(
                    string(keys.get("id"), path + ".id"),
                    string(keys.get("type"), path + ".type"),
                    or(stringList(keys.get("depends_on"), path + ".depends_on"), List.of()),
                    enumValue(
                            keys.get("trigger_rule"),
                            path + ".trigger_rule",
                            TriggerRule::fromYaml,
                            TriggerRule.values(),
                            TriggerRule::yamlName,
                            "trigger rule"),
                    config,
                    deadline(keys.get("deadline"), path + ".deadline"),
                    or(bool(keys.get("branch"), path + ".branch"), false),
                    checked(string(keys.get("group"), path + ".group"), path + ".group", TaskSettings::checkGroup),
                    defaults);
            List<String> outlets = stringList(keys.get("outlets"), path + ".outlets");
            TaskDef withOutlets = outlets == null ? task : task.withOutlets(outlets);
            return withOutlets.withMapping(mapping(keys, path));
        }

        /**
         * {@code expand: {NAME: LIST}} with its {@code max_active_instances}; null when the task is not mapped. The
         * list's shape is checked here (where its node is); names and sources in {@link DagValidator}.
         */
        private TaskMapping mapping(Map<String, Node> keys, String path) {
            Node node = keys.get("expand");
            Integer limit = checked(
                    integer(keys.get("max_active_instances"), path + ".max_active_instances"),
                    path + ".max_active_instances",
                    TaskSettings::checkMaxActiveInstances);
            if (node == null || isNull(node)) {
                if (keys.containsKey("max_active_instances"))
                    problems.add(path + ".max_active_instances", "applies only to a task with expand:");
                return null;
            }
            String expandPath = path + ".expand";
            if (!(node instanceof MappingNode m) || m.getValue().size() != 1) {
                problems.add(
                        expandPath,
                        "expected one NAME: LIST entry, such as expand: {file: \"{{ tasks.list_files.output.files }}\"},"
                                + " got " + describe(node));
                return null;
            }
            NodeTuple entry = m.getValue().get(0);
            String name = keyName(entry, expandPath, new HashMap<>());
            if (name == null) return null;
            String itemPath = expandPath + "." + name;
            Node list = entry.getValueNode();
            int max = limit == null ? 0 : limit;
            if (list instanceof SequenceNode) {
                @SuppressWarnings("unchecked")
                List<Object> items = (List<Object>) ConfigValues.normalize(value(list, itemPath));
                return new TaskMapping(name, items, null, max);
            }
            if (list instanceof ScalarNode sc
                    && sc.getTag().equals(Tag.STR)
                    && sc.getValue().contains("{{")) return new TaskMapping(name, null, sc.getValue(), max);
            problems.add(itemPath, "expected " + TaskMapping.FORMS + ", got " + describe(list));
            return null;
        }

        /** The task's id, if it has a string one, so its errors can be named by id even before it is read. */
        private static String peekId(MappingNode mapping) {
            for (NodeTuple t : mapping.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k
                        && k.getValue().equals("id")
                        && t.getValueNode() instanceof ScalarNode v
                        && v.getTag().equals(Tag.STR)) {
                    return v.getValue();
                }
            }
            return null;
        }

        private TaskSettings settings(Node node, String path, List<String> validKeys, Map<String, String> hints) {
            if (isNull(node)) return new TaskSettings();
            if (!(node instanceof MappingNode mapping)) {
                problems.add(path, "expected a mapping, got " + describe(node));
                return new TaskSettings();
            }
            return settings(path, entries(mapping, path, validKeys, hints));
        }

        /** Reads the settings keys of an already-checked mapping ({@code keys}). */
        private TaskSettings settings(String path, Map<String, Node> keys) {
            TaskSettings s = new TaskSettings();
            s.retries = checked(
                    integer(keys.get("retries"), path + ".retries"), path + ".retries", TaskSettings::checkRetries);
            s.retryDelay = duration(keys.get("retry_delay"), path + ".retry_delay");
            s.retryBackoff = enumValue(
                    keys.get("retry_backoff"),
                    path + ".retry_backoff",
                    RetryBackoff::fromYaml,
                    RetryBackoff.values(),
                    RetryBackoff::yamlName,
                    "retry backoff");
            s.maxRetryDelay = checked(
                    duration(keys.get("max_retry_delay"), path + ".max_retry_delay"),
                    path + ".max_retry_delay",
                    TaskSettings::checkMaxRetryDelay);
            s.timeout = checked(
                    duration(keys.get("timeout"), path + ".timeout"), path + ".timeout", TaskSettings::checkTimeout);
            s.pool = checked(string(keys.get("pool"), path + ".pool"), path + ".pool", TaskSettings::checkPool);
            s.priority = integer(keys.get("priority"), path + ".priority");
            s.queue = checked(string(keys.get("queue"), path + ".queue"), path + ".queue", TaskSettings::checkQueue);
            return s;
        }

        /** {@code value} when the range check passes; null (so the default applies) after reporting otherwise. */
        private <T> T checked(T value, String path, Function<T, String> check) {
            if (value == null) return null;
            String problem = check.apply(value);
            if (problem == null) return value;
            problems.add(path, problem);
            return null;
        }

        /**
         * The mapping's entries by key, recording each key's line. Unknown keys are reported with the closest
         * valid key; duplicate keys too (SnakeYAML's compose does not catch them, only its constructor does).
         */
        private Map<String, Node> entries(
                MappingNode mapping, String path, List<String> validKeys, Map<String, String> hints) {
            Map<String, Node> out = new LinkedHashMap<>();
            Map<String, Integer> seen = new HashMap<>();
            for (NodeTuple t : mapping.getValue()) {
                String key = keyName(t, path, seen);
                if (key == null) continue;
                String keyPath = join(path, key);
                if (hints.containsKey(key)) {
                    problems.addAt(keyPath, line(t.getKeyNode()), hints.get(key));
                } else if (!validKeys.contains(key)) {
                    problems.addAt(keyPath, line(t.getKeyNode()), KeySuggestions.unknownKey(key, validKeys));
                } else {
                    out.put(key, t.getValueNode());
                }
            }
            return out;
        }

        /**
         * The tuple's key as a string, recording its line; null (after reporting) for a non-scalar key or one
         * already in {@code seen} (key to line) — SnakeYAML's compose does not catch duplicates, only its constructor.
         */
        private String keyName(NodeTuple t, String path, Map<String, Integer> seen) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                problems.addAt(
                        path.isEmpty() ? "yaml" : path,
                        line(t.getKeyNode()),
                        "keys must be plain strings, got " + describe(t.getKeyNode()));
                return null;
            }
            String keyPath = join(path, k.getValue());
            Integer first = seen.putIfAbsent(k.getValue(), line(k));
            if (first != null) {
                problems.addAt(keyPath, line(k), "duplicate key '" + k.getValue() + "' (first at line " + first + ")");
                return null;
            }
            lines.putIfAbsent(keyPath, line(k));
            return k.getValue();
        }

        private Object value(Node node, String path) {
            if (node instanceof ScalarNode s) return scalar(s);
            if (node instanceof SequenceNode seq) {
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < seq.getValue().size(); i++) {
                    Node item = seq.getValue().get(i);
                    lines.putIfAbsent(path + "[" + i + "]", line(item));
                    out.add(value(item, path + "[" + i + "]"));
                }
                return out;
            }
            MappingNode mapping = (MappingNode) node;
            Map<String, Object> out = new LinkedHashMap<>();
            Map<String, Integer> seen = new HashMap<>();
            for (NodeTuple t : mapping.getValue()) {
                String key = keyName(t, path, seen);
                if (key != null) out.put(key, value(t.getValueNode(), join(path, key)));
            }
            return out;
        }

        // Typed readers: null for an absent key (the caller applies the default), null after reporting a bad value.

        private String string(Node node, String path) {
            if (node == null || isNull(node)) return null;
            if (node instanceof ScalarNode s && s.getTag().equals(Tag.STR)) return s.getValue();
            problems.add(path, "expected a string, got " + describe(node));
            return null;
        }

        private Integer integer(Node node, String path) {
            if (node == null || isNull(node)) return null;
            if (node instanceof ScalarNode s && scalar(s) instanceof Integer i) return i;
            problems.add(path, "expected an integer, got " + describe(node));
            return null;
        }

        private Number number(Node node, String path) {
            if (node == null || isNull(node)) return null;
            if (node instanceof ScalarNode s) {
                Object v = scalar(s);
                if (s.getTag().equals(Tag.INT)) {
                    try {
                        // kept whole beyond 64 bits, so the range error shows the number as written
                        java.math.BigInteger b = parseInt(s.getValue().replace("_", ""));
                        v = b.bitLength() < 64 ? ConfigValues.normalize(b) : b;
                    } catch (NumberFormatException e) {
                        v = null;
                    }
                }
                if (v instanceof Number n) return n;
            }
            problems.add(path, "expected a number, got " + describe(node));
            return null;
        }

        @SuppressWarnings("unchecked")
        private List<Object> enumValues(Node node, String path) {
            if (node == null || isNull(node)) return null;
            if (node instanceof SequenceNode) return (List<Object>) ConfigValues.normalize(value(node, path));
            problems.add(path, "expected a list of allowed values, got " + describe(node));
            return null;
        }

        private Boolean bool(Node node, String path) {
            if (node == null || isNull(node)) return null;
            if (node instanceof ScalarNode s && s.getTag().equals(Tag.BOOL)) return (Boolean) scalar(s);
            problems.add(path, "expected true or false, got " + describe(node));
            return null;
        }

        private Duration duration(Node node, String path) {
            if (node == null || isNull(node)) return null;
            if (node instanceof ScalarNode s) {
                try {
                    return Durations.parse(s.getValue());
                } catch (IllegalArgumentException e) {
                    problems.add(path, e.getMessage());
                    return null;
                }
            }
            problems.add(path, "expected a duration such as 10s, got " + describe(node));
            return null;
        }

        private LocalDate date(Node node, String path) {
            if (node == null || isNull(node)) return null;
            if (node instanceof ScalarNode s) {
                try {
                    return LocalDate.parse(s.getValue());
                } catch (DateTimeParseException e) {
                    // fall through to the error below
                }
            }
            problems.add(path, "expected a date such as 2026-01-01, got " + describe(node));
            return null;
        }

        private List<String> stringList(Node node, String path) {
            if (node == null || isNull(node)) return null;
            if (!(node instanceof SequenceNode seq)) {
                problems.add(path, "expected a list such as [a, b], got " + describe(node));
                return null;
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < seq.getValue().size(); i++) {
                String itemPath = path + "[" + i + "]";
                lines.put(itemPath, line(seq.getValue().get(i)));
                String s = string(seq.getValue().get(i), itemPath);
                if (s != null) out.add(s);
            }
            return out;
        }

        private <E> E enumValue(
                Node node,
                String path,
                Function<String, E> fromYaml,
                E[] values,
                Function<E, String> yamlName,
                String what) {
            String text = string(node, path);
            if (text == null) return null;
            E e = fromYaml.apply(text);
            if (e != null) return e;
            List<String> names = Arrays.stream(values).map(yamlName).toList();
            String closest = KeySuggestions.closest(text, names);
            problems.add(
                    path,
                    "unknown " + what + " '" + text + "' ("
                            + (closest != null
                                    ? "did you mean '" + closest + "'?"
                                    : "use one of " + String.join(", ", names))
                            + ")");
            return null;
        }
    }

    /** A scalar as YAML 1.1 resolves it; timestamps stay strings so values round-trip through JSON unchanged. */
    static Object scalar(ScalarNode s) {
        String v = s.getValue();
        Tag tag = s.getTag();
        if (tag.equals(Tag.NULL)) return null;
        if (tag.equals(Tag.BOOL))
            return switch (v.toLowerCase(java.util.Locale.ROOT)) {
                case "true", "yes", "on" -> true;
                default -> false;
            };
        try {
            if (tag.equals(Tag.INT)) return ConfigValues.normalize(parseInt(v.replace("_", "")));
            if (tag.equals(Tag.FLOAT)) return parseFloat(v.replace("_", ""));
        } catch (NumberFormatException e) {
            return v; // rare YAML 1.1 forms (sexagesimal) are not worth supporting; keep the text
        }
        return v;
    }

    private static java.math.BigInteger parseInt(String v) {
        boolean negative = v.startsWith("-");
        String digits = v.startsWith("-") || v.startsWith("+") ? v.substring(1) : v;
        java.math.BigInteger n;
        if (digits.startsWith("0x")) n = new java.math.BigInteger(digits.substring(2), 16);
        else if (digits.startsWith("0o")) n = new java.math.BigInteger(digits.substring(2), 8);
        else if (digits.startsWith("0b")) n = new java.math.BigInteger(digits.substring(2), 2);
        else n = new java.math.BigInteger(digits);
        return negative ? n.negate() : n;
    }

    private static Double parseFloat(String v) {
        String lower = v.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".inf")) return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (lower.equals(".nan")) return Double.NaN;
        return Double.parseDouble(v);
    }

    static boolean isNull(Node node) {
        return node instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    static String describe(Node node) {
        if (node instanceof MappingNode) return "a mapping";
        if (node instanceof SequenceNode) return "a list";
        ScalarNode s = (ScalarNode) node;
        return s.getTag().equals(Tag.STR) ? "\"" + s.getValue() + "\"" : s.getValue();
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> out = new ArrayList<>();
        for (List<String> l : lists) out.addAll(l);
        return List.copyOf(out);
    }
}
