package dev.sluice.dag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.dag.ParamSpec.ParamType;
import dev.sluice.task.Durations;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The canonical JSON form of a {@link Dag}, used to store DAG versions and to notice when a file really changed.
 * Keys use the DAG file's names, durations their short text form, dates ISO; fields come in a fixed order and
 * config maps in the order they were written (in config, order can matter: a CSV's column list), with no
 * whitespace, so equal DAGs give byte-equal JSON and the same {@link #sha256}. Tasks keep their declared order.
 *
 * <p>The tree is written field by field rather than by reflection over the records, so renaming a Java field
 * cannot silently change the stored format (and every stored hash).
 */
public final class DagJson {
    // Map entries keep their written order: in task config order can carry meaning (a CSV's column list).
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private DagJson() {}

    public static String toJson(Dag dag) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", dag.id());
        m.put("description", dag.description());
        // A DAG scheduled on assets writes the file's mapping form; cron DAGs keep the string they always had.
        if (dag.assetSchedule() != null) {
            Map<String, Object> on = new LinkedHashMap<>();
            on.put("assets", dag.assetSchedule().assets());
            on.put("when", dag.assetSchedule().when().yamlName());
            m.put("schedule", on);
        } else {
            m.put("schedule", dag.schedule());
        }
        m.put("timezone", dag.timezone());
        m.put("start_date", dag.startDate() == null ? null : dag.startDate().toString());
        m.put("end_date", dag.endDate() == null ? null : dag.endDate().toString());
        m.put("catchup", dag.catchup());
        m.put("max_active_runs", dag.maxActiveRuns());
        m.put("max_active_tasks", dag.maxActiveTasks());
        m.put("tags", dag.tags());
        Map<String, Object> params = new LinkedHashMap<>();
        for (ParamSpec p : dag.params().values()) {
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("type", p.type() == null ? null : p.type().yamlName());
            spec.put("default", p.defaultValue());
            spec.put("description", p.description());
            // Written only when set, so params without them keep the JSON (and hash) they had before they existed.
            if (p.minimum() != null) spec.put("minimum", p.minimum());
            if (p.maximum() != null) spec.put("maximum", p.maximum());
            if (p.enumValues() != null) spec.put("enum", p.enumValues());
            params.put(p.name(), spec);
        }
        m.put("params", params);
        List<Object> tasks = new ArrayList<>();
        for (TaskDef t : dag.tasks()) {
            Map<String, Object> task = new LinkedHashMap<>();
            task.put("id", t.id());
            task.put("type", t.type());
            task.put("depends_on", t.dependsOn());
            task.put("trigger_rule", t.triggerRule().yamlName());
            task.put("retries", t.retries());
            task.put("retry_delay", Durations.format(t.retryDelay()));
            task.put("retry_backoff", t.retryBackoff().yamlName());
            task.put("max_retry_delay", Durations.format(t.maxRetryDelay()));
            task.put("timeout", Durations.format(t.timeout()));
            task.put("pool", t.pool());
            task.put("priority", t.priority());
            task.put("config", t.config());
            // Only when not the default, so DAGs that name no queue keep the JSON (and version hash) they had.
            if (!TaskDef.DEFAULT_QUEUE.equals(t.queue())) task.put("queue", t.queue());
            if (t.deadline() != null) task.put("deadline", deadline(t.deadline()));
            // Only when set, as queue: DAGs without branches or groups keep their JSON and version hash.
            if (t.branch() && !TaskDef.BRANCH_TYPE.equals(t.type())) task.put("branch", true);
            if (t.group() != null) task.put("group", t.group());
            if (!t.outlets().isEmpty()) task.put("outlets", t.outlets());
            // Only when set, as branch: DAGs without mapped tasks keep their JSON and version hash.
            if (t.mapping() != null) {
                TaskMapping mp = t.mapping();
                task.put("expand", Map.of(mp.name(), mp.items() != null ? mp.items() : mp.from()));
                if (mp.maxActiveInstances() > 0) task.put("max_active_instances", mp.maxActiveInstances());
            }
            tasks.add(task);
        }
        m.put("tasks", tasks);
        // Written only when set, so DAGs without the block keep the JSON (and hash) they had before it existed; one
        // plain webhook keeps the older mapping form for the same reason.
        Notifications notifications = dag.notifications();
        if (notifications.isSingleWebhook()) {
            var c = notifications.channels().get(0);
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("webhook_url", c.url());
            n.put("on", c.eventNames());
            m.put("notifications", n);
        } else if (!notifications.isDefault()) {
            List<Object> channels = new ArrayList<>();
            for (var c : notifications.channels()) {
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("type", c.kind().yamlName());
                if (c.url() != null) n.put("url", c.url());
                if (c.urlSecret() != null) n.put("url_secret", c.urlSecret());
                if (!c.to().isEmpty()) n.put("to", c.to());
                n.put("on", c.eventNames());
                channels.add(n);
            }
            m.put("notifications", channels);
        }
        // Read by the schema too (V43's trigger turns it into each run's deadline rows): keep within's short form.
        if (dag.deadline() != null) m.put("deadline", deadline(dag.deadline()));
        try {
            return MAPPER.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "DAG " + dag.id() + " has a config value JSON cannot hold: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> deadline(Deadline d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("within", Durations.format(d.within()));
        m.put("from", d.from().yamlName());
        return m;
    }

    private static Deadline deadline(JsonNode n) {
        if (n == null || n.isNull()) return null;
        return new Deadline(Durations.parse(text(n, "within")), Deadline.From.fromYaml(text(n, "from")));
    }

    /** Reads JSON written by {@link #toJson}. Does not re-validate: stored versions were valid when stored. */
    public static Dag fromJson(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not DAG JSON: " + e.getOriginalMessage(), e);
        }
        Map<String, ParamSpec> params = new LinkedHashMap<>();
        root.path("params").properties().forEach(e -> {
            JsonNode spec = e.getValue();
            @SuppressWarnings("unchecked")
            List<Object> allowed = (List<Object>) plain(spec.get("enum"));
            params.put(
                    e.getKey(),
                    new ParamSpec(
                            e.getKey(),
                            ParamType.fromYaml(text(spec, "type")),
                            plain(spec.get("default")),
                            text(spec, "description"),
                            (Number) plain(spec.get("minimum")),
                            (Number) plain(spec.get("maximum")),
                            allowed));
        });
        List<TaskDef> tasks = new ArrayList<>();
        for (JsonNode t : root.path("tasks")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> config = (Map<String, Object>) plain(t.get("config"));
            tasks.add(new TaskDef(
                    text(t, "id"),
                    text(t, "type"),
                    strings(t.path("depends_on")),
                    TriggerRule.fromYaml(text(t, "trigger_rule")),
                    t.path("retries").asInt(),
                    Durations.parse(text(t, "retry_delay")),
                    RetryBackoff.fromYaml(text(t, "retry_backoff")),
                    Durations.parse(text(t, "max_retry_delay")),
                    Durations.parse(text(t, "timeout")),
                    text(t, "pool"),
                    t.path("priority").asInt(),
                    config,
                    t.hasNonNull("queue") ? t.get("queue").asText() : TaskDef.DEFAULT_QUEUE,
                    deadline(t.get("deadline")),
                    t.path("branch").asBoolean(false),
                    text(t, "group"),
                    strings(t.path("outlets")),
                    mapping(t)));
        }
        return new Dag(
                text(root, "id"),
                text(root, "description"),
                root.path("schedule").isObject() ? null : text(root, "schedule"),
                text(root, "timezone"),
                date(root, "start_date"),
                date(root, "end_date"),
                root.path("catchup").asBoolean(),
                root.path("max_active_runs").asInt(),
                root.path("max_active_tasks").asInt(),
                strings(root.path("tags")),
                params,
                tasks,
                notifications(root.get("notifications")),
                deadline(root.get("deadline")),
                assetSchedule(root.get("schedule")));
    }

    private static AssetSchedule assetSchedule(JsonNode n) {
        if (n == null || !n.isObject()) return null;
        return new AssetSchedule(strings(n.path("assets")), AssetSchedule.When.fromYaml(text(n, "when")));
    }

    private static TaskMapping mapping(JsonNode t) {
        JsonNode expand = t.get("expand");
        if (expand == null || expand.isNull()) return null;
        var entry = expand.properties().iterator().next();
        JsonNode list = entry.getValue();
        @SuppressWarnings("unchecked")
        List<Object> items = list.isArray() ? (List<Object>) plain(list) : null;
        return new TaskMapping(
                entry.getKey(),
                items,
                list.isArray() ? null : list.asText(),
                t.path("max_active_instances").asInt(0));
    }

    private static Notifications notifications(JsonNode n) {
        if (n == null || n.isNull()) return Notifications.NONE;
        if (!n.isArray()) return new Notifications(text(n, "webhook_url"), events(n));
        List<Notifications.Channel> channels = new ArrayList<>();
        for (JsonNode c : n)
            channels.add(new Notifications.Channel(
                    Notifications.Kind.fromYaml(text(c, "type")),
                    text(c, "url"),
                    text(c, "url_secret"),
                    strings(c.path("to")),
                    events(c)));
        return new Notifications(channels);
    }

    private static java.util.Set<Notifications.Event> events(JsonNode channel) {
        java.util.Set<Notifications.Event> on = java.util.EnumSet.noneOf(Notifications.Event.class);
        for (JsonNode e : channel.path("on")) on.add(Notifications.Event.fromYaml(e.asText()));
        return on;
    }

    /** Hex SHA-256 of the canonical JSON: equal DAGs, equal hashes. */
    public static String sha256(Dag dag) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest(toJson(dag).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static LocalDate date(JsonNode node, String field) {
        String s = text(node, field);
        return s == null ? null : LocalDate.parse(s);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.asText());
        return out;
    }

    /** A JSON value as plain Java values, normalized the way the parser and builder normalize them. */
    private static Object plain(JsonNode node) {
        if (node == null || node.isNull()) return null;
        return ConfigValues.normalize(MAPPER.convertValue(node, Object.class));
    }
}
