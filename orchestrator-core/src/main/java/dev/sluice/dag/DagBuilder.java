package dev.sluice.dag;

import dev.sluice.dag.ParamSpec.ParamType;
import dev.sluice.task.Durations;
import dev.sluice.task.TaskTypeRegistry;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Defines a DAG in Java. Produces the same {@link Dag} as the equivalent YAML file and runs the same checks in
 * {@link #build}; errors name the file {@code <java>} and line 0.
 *
 * <pre>{@code
 * Dag dag = DagBuilder.dag("nightly_etl").schedule("0 2 * * *")
 *         .param("threshold", ParamType.NUMBER, 0.8)
 *         .param("rows", ParamType.INTEGER, 100, p -> p.minimum(1).maximum(10_000))
 *         .defaults(d -> d.retries(0).retryDelay("10s"))
 *         .task("extract", "shell", t -> t.config("command", "echo hi"))
 *         .task("load", "shell", t -> t.dependsOn("extract").retries(2))
 *         .build(registry);
 * }</pre>
 */
public final class DagBuilder {
    public static final String FILE = "<java>";

    private final String id;
    private String description;
    private String schedule;
    private AssetSchedule assetSchedule;
    private String timezone = "UTC";
    private LocalDate startDate;
    private LocalDate endDate;
    private boolean catchup;
    private int maxActiveRuns = 16;
    private int maxActiveTasks = 64;
    private final List<String> tags = new ArrayList<>();
    private Notifications notifications = Notifications.NONE;
    private final List<Notifications.Channel> channels = new ArrayList<>();
    private Deadline deadline;
    private final Map<String, String> dagProblems = new LinkedHashMap<>();
    private final Map<String, ParamSpec> params = new LinkedHashMap<>();
    private final Defaults defaults = new Defaults();
    private final List<Task> tasks = new ArrayList<>();

    private DagBuilder(String id) {
        this.id = id;
    }

    public static DagBuilder dag(String id) {
        return new DagBuilder(id);
    }

    public DagBuilder description(String description) {
        this.description = description;
        return this;
    }

    /** 5-field unix cron or {@code @hourly/@daily/@weekly/@monthly/@yearly}; none means manual runs only. */
    public DagBuilder schedule(String schedule) {
        this.schedule = schedule;
        return this;
    }

    /**
     * Runs the DAG when the assets have new events (YAML {@code schedule: {assets: [...], when: ...}}) instead of on
     * a cron; the run's logical date is the time it was triggered.
     */
    public DagBuilder scheduleOnAssets(AssetSchedule.When when, String... assetUris) {
        this.assetSchedule = new AssetSchedule(Arrays.asList(assetUris), when);
        return this;
    }

    public DagBuilder timezone(String zoneId) {
        this.timezone = zoneId;
        return this;
    }

    public DagBuilder startDate(LocalDate date) {
        this.startDate = date;
        return this;
    }

    public DagBuilder endDate(LocalDate date) {
        this.endDate = date;
        return this;
    }

    public DagBuilder catchup(boolean catchup) {
        this.catchup = catchup;
        return this;
    }

    public DagBuilder maxActiveRuns(int n) {
        this.maxActiveRuns = n;
        return this;
    }

    public DagBuilder maxActiveTasks(int n) {
        this.maxActiveTasks = n;
        return this;
    }

    /** Where to POST failure and retry events; a null URL means the server-wide {@code SLUICE_WEBHOOK_URL}. */
    public DagBuilder notifications(String webhookUrl, Notifications.Event... on) {
        this.notifications = new Notifications(webhookUrl, on.length == 0 ? null : java.util.Set.of(on));
        return this;
    }

    /**
     * Adds a notification channel ({@code Channel.webhook}, {@code slack}, {@code slackFromSecret}, {@code email}),
     * like one entry of the YAML {@code notifications:} list. Channels replace the server-wide defaults.
     */
    public DagBuilder notify(Notifications.Channel channel) {
        channels.add(channel);
        return this;
    }

    /** The run must end within {@code within} ({@code 2h}) of its logical date or of when it was queued. */
    public DagBuilder deadline(String within, Deadline.From from) {
        this.deadline = deadlineOf(within, from, "deadline", dagProblems);
        return this;
    }

    public DagBuilder deadline(Duration within, Deadline.From from) {
        return deadline(within == null ? null : Durations.format(within), from);
    }

    static Deadline deadlineOf(String within, Deadline.From from, String path, Map<String, String> problems) {
        Duration d;
        try {
            d = Durations.parse(within);
        } catch (IllegalArgumentException e) {
            problems.put(path + ".within", e.getMessage());
            return null;
        }
        String problem = TaskSettings.checkDeadlineWithin(d);
        if (problem != null) {
            problems.put(path + ".within", problem);
            return null;
        }
        return new Deadline(d, from);
    }

    public DagBuilder tags(String... tags) {
        this.tags.addAll(Arrays.asList(tags));
        return this;
    }

    public DagBuilder param(String name, ParamType type, Object defaultValue) {
        return param(name, type, defaultValue, (String) null);
    }

    public DagBuilder param(String name, ParamType type, Object defaultValue, String description) {
        params.put(name, new ParamSpec(name, type, ConfigValues.normalize(defaultValue), description));
        return this;
    }

    /**
     * A param with a range or allowed values, like the YAML keys {@code minimum}, {@code maximum} and {@code enum}:
     * {@code .param("rows", ParamType.INTEGER, 5, p -> p.minimum(1).maximum(10_000))}.
     */
    @SuppressWarnings("unchecked")
    public DagBuilder param(String name, ParamType type, Object defaultValue, Consumer<Param> spec) {
        Param p = new Param();
        spec.accept(p);
        params.put(
                name,
                new ParamSpec(
                        name,
                        type,
                        ConfigValues.normalize(defaultValue),
                        p.description,
                        (Number) ConfigValues.normalize(p.minimum),
                        (Number) ConfigValues.normalize(p.maximum),
                        p.enumValues == null ? null : (List<Object>) ConfigValues.normalize(p.enumValues)));
        return this;
    }

    /** The optional parts of a param's declaration. */
    public static final class Param {
        private String description;
        private Number minimum;
        private Number maximum;
        private List<Object> enumValues;

        private Param() {}

        public Param description(String description) {
            this.description = description;
            return this;
        }

        public Param minimum(Number minimum) {
            this.minimum = minimum;
            return this;
        }

        public Param maximum(Number maximum) {
            this.maximum = maximum;
            return this;
        }

        /** The values a trigger may give (YAML {@code enum}). */
        public Param enumValues(Object... values) {
            this.enumValues = Arrays.asList(values);
            return this;
        }
    }

    /** Settings for every task that does not set them itself, like the YAML {@code defaults:} block. */
    public DagBuilder defaults(Consumer<Defaults> spec) {
        spec.accept(defaults);
        return this;
    }

    public DagBuilder task(String taskId, String type, Consumer<Task> spec) {
        Task task = new Task(taskId, type);
        spec.accept(task);
        tasks.add(task);
        return this;
    }

    public DagBuilder task(String taskId, String type) {
        return task(taskId, type, t -> {});
    }

    /** The validated DAG; throws {@link DagValidationException} listing every problem. */
    public Dag build(TaskTypeRegistry registry) {
        Problems problems = new Problems(FILE, Map.of());
        dagProblems.forEach(problems::add);
        defaults.report("defaults", problems);
        Notifications notes = notifications;
        if (!channels.isEmpty()) {
            List<Notifications.Channel> all = new ArrayList<>(notifications.channels());
            all.addAll(channels);
            notes = new Notifications(all);
        }
        for (int i = 0; i < notes.channels().size(); i++) {
            String path = "notifications[" + i + "].";
            notes.channels().get(i).problems().forEach((field, message) -> problems.add(path + field, message));
        }
        List<String> paths =
                DagValidator.taskPaths(tasks.stream().map(t -> t.id).toList());
        List<TaskDef> defs = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            Task t = tasks.get(i);
            TaskMapping mapping = t.mapping(); // before report: it may add a problem
            t.report(paths.get(i), problems);
            defs.add(t.settings
                    .resolve(
                            t.id,
                            t.type,
                            t.dependsOn,
                            t.triggerRule,
                            t.config,
                            t.deadline,
                            t.branch,
                            t.group,
                            defaults.settings)
                    .withOutlets(t.outlets)
                    .withMapping(mapping));
        }
        Dag dag = new Dag(
                id,
                description,
                schedule,
                timezone,
                startDate,
                endDate,
                catchup,
                maxActiveRuns,
                maxActiveTasks,
                tags,
                params,
                defs,
                notes,
                deadline,
                assetSchedule);
        DagValidator.validate(dag, registry, problems);
        problems.throwIfAny();
        return dag;
    }

    /**
     * The settings both {@code defaults} and a task may set. A bad value (negative retries, "10x") is remembered
     * and reported by {@link #build} with all the other problems, not thrown from the setter.
     */
    public abstract static class Settings<B extends Settings<B>> {
        final TaskSettings settings = new TaskSettings();
        private final Map<String, String> problems = new LinkedHashMap<>();

        abstract B self();

        public B retries(int retries) {
            settings.retries = check("retries", retries, TaskSettings.checkRetries(retries));
            return self();
        }

        public B retryDelay(Duration delay) {
            settings.retryDelay = delay;
            return self();
        }

        /** {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}. */
        public B retryDelay(String delay) {
            return retryDelay(parse("retry_delay", delay));
        }

        public B retryBackoff(RetryBackoff backoff) {
            settings.retryBackoff = backoff;
            return self();
        }

        public B maxRetryDelay(Duration max) {
            settings.maxRetryDelay =
                    max == null ? null : check("max_retry_delay", max, TaskSettings.checkMaxRetryDelay(max));
            return self();
        }

        public B maxRetryDelay(String max) {
            return maxRetryDelay(parse("max_retry_delay", max));
        }

        public B timeout(Duration timeout) {
            settings.timeout = timeout == null ? null : check("timeout", timeout, TaskSettings.checkTimeout(timeout));
            return self();
        }

        public B timeout(String timeout) {
            return timeout(parse("timeout", timeout));
        }

        public B pool(String pool) {
            settings.pool = pool == null ? null : check("pool", pool, TaskSettings.checkPool(pool));
            return self();
        }

        public B priority(int priority) {
            settings.priority = priority;
            return self();
        }

        /** The worker queue the task runs on (workers claim only the queues they serve). */
        public B queue(String queue) {
            settings.queue = queue == null ? null : check("queue", queue, TaskSettings.checkQueue(queue));
            return self();
        }

        private <T> T check(String field, T value, String problem) {
            if (problem == null) return value;
            problems.put(field, problem);
            return null;
        }

        private Duration parse(String field, String text) {
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                problems.put(field, e.getMessage());
                return null;
            }
        }

        void report(String path, Problems into) {
            problems.forEach((field, message) -> into.add(path + "." + field, message));
        }
    }

    public static final class Defaults extends Settings<Defaults> {
        @Override
        Defaults self() {
            return this;
        }
    }

    public static final class Task extends Settings<Task> {
        private final String id;
        private final String type;
        private final List<String> dependsOn = new ArrayList<>();
        private TriggerRule triggerRule;
        private final Map<String, Object> config = new LinkedHashMap<>();
        private Deadline deadline;
        private boolean branch;
        private String group;
        private final List<String> outlets = new ArrayList<>();
        private String expandName;
        private List<Object> expandItems;
        private String expandFrom;
        private Integer maxActiveInstances;
        private final Map<String, String> ownProblems = new LinkedHashMap<>();

        private Task(String id, String type) {
            this.id = id;
            this.type = type;
        }

        @Override
        Task self() {
            return this;
        }

        public Task dependsOn(String... taskIds) {
            dependsOn.addAll(Arrays.asList(taskIds));
            return this;
        }

        public Task triggerRule(TriggerRule rule) {
            this.triggerRule = rule;
            return this;
        }

        public Task config(String key, Object value) {
            config.put(key, value);
            return this;
        }

        public Task config(Map<String, ?> values) {
            config.putAll(values);
            return this;
        }

        /**
         * The task chooses which of its direct downstream tasks run: its output's {@code next} names one id or a
         * list of them (YAML {@code branch: true}); the others are skipped.
         */
        public Task branch(boolean branch) {
            this.branch = branch;
            return this;
        }

        /** Asset URIs the task updates (YAML {@code outlets:}): each success records an event for each. */
        public Task outlets(String... assetUris) {
            outlets.addAll(Arrays.asList(assetUris));
            return this;
        }

        /** The task group it is shown in (YAML {@code group:}); the graph and grid can collapse a group. */
        public Task group(String group) {
            String problem = group == null ? null : TaskSettings.checkGroup(group);
            if (problem != null) ownProblems.put("group", problem);
            this.group = problem == null ? group : null;
            return this;
        }

        /**
         * Runs the task once per item of {@code items} (YAML {@code expand: {NAME: [...]}}); each instance sees its
         * item as {@code {{ expand.NAME }}} and its position as {@code {{ map_index }}}.
         */
        public Task expand(String name, List<?> items) {
            this.expandName = name;
            this.expandItems = items == null ? null : new ArrayList<>(items);
            this.expandFrom = null;
            if (items == null) ownProblems.put("expand." + name, "expected " + TaskMapping.FORMS + ", got null");
            return this;
        }

        /**
         * Runs the task once per item of the list an expression gives when the task becomes ready:
         * {@code "{{ params.files }}"} or an upstream output, {@code "{{ tasks.list_files.output.files }}"}.
         */
        public Task expand(String name, String expression) {
            this.expandName = name;
            this.expandFrom = expression;
            this.expandItems = null;
            if (expression == null || !expression.contains("{{"))
                ownProblems.put(
                        "expand." + name,
                        "expected " + TaskMapping.FORMS + ", got "
                                + (expression == null ? "null" : "\"" + expression + "\""));
            return this;
        }

        /** How many instances of this mapped task may run at once (YAML {@code max_active_instances:}). */
        public Task maxActiveInstances(int max) {
            String problem = TaskSettings.checkMaxActiveInstances(max);
            if (problem != null) ownProblems.put("max_active_instances", problem);
            this.maxActiveInstances = max;
            return this;
        }

        private TaskMapping mapping() {
            if (expandName == null) {
                if (maxActiveInstances != null)
                    ownProblems.put("max_active_instances", "applies only to a task with expand:");
                return null;
            }
            if (expandItems == null && (expandFrom == null || !expandFrom.contains("{{"))) return null;
            int max = maxActiveInstances == null || maxActiveInstances < 1 ? 0 : maxActiveInstances;
            @SuppressWarnings("unchecked")
            List<Object> items = expandItems == null ? null : (List<Object>) ConfigValues.normalize(expandItems);
            return new TaskMapping(expandName, items, expandFrom, max);
        }

        /** The task must end within {@code within} ({@code 90m}) of its run's logical date or queueing. */
        public Task deadline(String within, Deadline.From from) {
            this.deadline = deadlineOf(within, from, "deadline", ownProblems);
            return this;
        }

        @Override
        void report(String path, Problems into) {
            super.report(path, into);
            ownProblems.forEach((field, message) -> into.add(path + "." + field, message));
        }
    }
}
