package dev.sluice.engine;

import dev.sluice.dag.TaskDef;
import dev.sluice.store.AssetRepository;
import dev.sluice.store.CappedLog;
import dev.sluice.store.LogStats;
import dev.sluice.store.LogStore;
import dev.sluice.store.TaskInstanceRepository;
import dev.sluice.store.TaskInstanceRepository.Claimed;
import dev.sluice.task.ConfigField;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import dev.sluice.task.TaskTypeRegistry;
import dev.sluice.template.CodeLanguage;
import dev.sluice.template.SecretMask;
import dev.sluice.template.Secrets;
import dev.sluice.template.TemplateContext;
import dev.sluice.template.TemplateRenderer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jooq.DSLContext;

/** Runs one claimed attempt: renders its config, calls the task type under its timeout, and reports how it ended. */
final class AttemptRunner {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AttemptRunner.class);
    private final DSLContext dsl;
    private final DagGraphs graphs;
    private final TaskTypeRegistry types;
    private final TaskInstanceRepository tasks;
    private final TemplateRenderer renderer = new TemplateRenderer();
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Path home;
    private final Services services;
    private final DagDirectories dagDirectories;
    private final LogSettings logSettings;
    private final LogStore logs;
    private final LogStats logStats;
    private final ScheduledExecutorService uploads;

    /**
     * @param uploads where running attempts' logs are shipped to the shared store; null when logs are not shared.
     *                Not the timer: a slow store must not delay timeouts.
     */
    AttemptRunner(
            DSLContext dsl,
            DagGraphs graphs,
            TaskTypeRegistry types,
            TaskInstanceRepository tasks,
            ScheduledExecutorService timer,
            Clock clock,
            Path home,
            Services services,
            DagDirectories dagDirectories,
            LogSettings logSettings,
            LogStore logs,
            LogStats logStats,
            ScheduledExecutorService uploads) {
        this.logSettings = logSettings;
        this.logs = logs;
        this.logStats = logStats;
        this.uploads = uploads;
        this.dsl = dsl;
        this.graphs = graphs;
        this.types = types;
        this.tasks = tasks;
        this.timer = timer;
        this.clock = clock;
        this.home = home;
        this.services = services;
        this.dagDirectories = dagDirectories;
    }

    Completion run(AttemptHandle handle, String workerId) {
        Claimed c = handle.claimed;
        handle.bind(Thread.currentThread());
        CappedLog sink = new CappedLog(Path.of(c.logPath()), logSettings.maxBytes(), logStats);
        LogStore.Upload upload = null;
        ScheduledFuture<?> shipping = null;
        if (uploads != null) {
            upload = logs.upload(
                    LogStore.key(c.dagId(), c.runId(), c.taskId(), c.mapIndex(), c.tryNumber()), sink.file());
            long every = logSettings.uploadInterval().toMillis();
            LogStore.Upload u = upload;
            shipping = uploads.scheduleWithFixedDelay(
                    () -> {
                        try {
                            u.ship();
                        } catch (Exception e) {
                            log.warn("Uploading the log of {} failed, will retry: {}", c.taskId(), e.toString());
                        }
                    },
                    every,
                    every,
                    TimeUnit.MILLISECONDS);
        }
        try {
            return attempt(handle, workerId, c, sink);
        } finally {
            sink.close();
            if (shipping != null) shipping.cancel(false);
            if (upload != null) {
                // Before the attempt is recorded as ended: a reader that sees it ended finds the complete log.
                try {
                    upload.finish();
                } catch (Exception e) {
                    log.warn(
                            "Uploading the complete log of {} failed; other nodes see the parts only: {}",
                            c.taskId(),
                            e.toString());
                }
            }
        }
    }

    /** Unmapped tasks' outputs and, for each expanded mapped task, the list of its instances' outputs. */
    private Map<String, Object> templateOutputs(Claimed c, Supplier<Map<String, Map<String, Object>>> outputs) {
        Map<String, Object> all = new HashMap<>(outputs.get());
        if (graphs.graph(c.dagVersionId()).hasMappedTasks()) all.putAll(tasks.mappedOutputs(dsl, c.runKey()));
        return all;
    }

    /** The attempt's outcome, with the size its log reached. */
    private Completion attempt(AttemptHandle handle, String workerId, Claimed c, CappedLog sink) {
        Completion done = runTask(handle, workerId, c, sink);
        return done.withLogBytes(sink.size());
    }

    private Completion runTask(AttemptHandle handle, String workerId, Claimed c, CappedLog sink) {
        AttemptContext ctx = null;
        ScheduledFuture<?> timeout = null;
        TaskDef def = null;
        try {
            // the graph's index, not Dag.task's scan: a 10,000-task DAG would scan 5,000 ids per attempt
            def = graphs.graph(c.dagVersionId()).task(c.taskId());
            if (def == null)
                throw new TaskFailedException("task " + c.taskId() + " is not in DAG version " + c.dagVersionId());
            TaskType type = types.get(def.type());
            if (type == null) throw new TaskFailedException("unknown task type \"" + def.type() + "\" on this worker");
            Map<String, Object> config = withDefaults(type, def.config());
            // Outputs cost a query: load them only when a template or the task itself reads them.
            Supplier<Map<String, Map<String, Object>>> outputs = memoize(() -> tasks.outputs(dsl, c.runKey()));
            Map<String, Object> vars = TemplateContext.build(
                    c.runId(),
                    c.logicalDate(),
                    c.dataIntervalStart(),
                    c.dataIntervalEnd(),
                    c.tryNumber(),
                    c.params(),
                    graphs.graph(c.dagVersionId()).readsTaskOutputs(c.taskId())
                            ? templateOutputs(c, outputs)
                            : Map.of(),
                    c.dagId(),
                    c.taskId());
            // A secret is read from the worker's environment at render time; never stored, masked where shown.
            Secrets secrets = Secrets.fromEnvironment();
            Map<String, Object> withSecrets = new HashMap<>(vars);
            withSecrets.put("secrets", secrets);
            // A query per attempt only where a template can read them.
            if (def.config().toString().contains("triggering_asset_events"))
                withSecrets.put(
                        "triggering_asset_events",
                        TriggeringAssetEvents.of(new AssetRepository().triggeringEvents(dsl, c.runKey())));
            // Airflow's names: -1 for a task that is not mapped; its item under the expand name for one that is.
            withSecrets.put("map_index", c.mapIndex());
            if (c.mapped() && def.mapping() != null)
                withSecrets.put(
                        "expand",
                        java.util.Collections.singletonMap(def.mapping().name(), c.mapItem()));
            Map<String, Object> rendered = renderer.renderConfig(config, withSecrets, codeFields(type));
            // Templates may read any task's output; the context offers the task's direct upstreams only.
            final TaskDef task = def;
            Supplier<Map<String, Map<String, Object>>> upstream = memoize(() -> {
                Map<String, Map<String, Object>> direct = new LinkedHashMap<>();
                for (String up : task.dependsOn()) {
                    Map<String, Object> out = outputs.get().get(up);
                    if (out != null) direct.put(up, out);
                }
                return direct;
            });
            ctx = new AttemptContext(
                    c,
                    handle,
                    rendered,
                    upstream,
                    Path.of(c.logPath()),
                    dagDirectories.of(c.dagId(), c.dagVersionId()),
                    dagDirectories.sourceFolder(c.dagId()),
                    home,
                    clock,
                    services,
                    c.attemptKey(),
                    masked(secrets.used(), c.params()),
                    sink);
            final TaskDef d = def;
            timeout = timer.schedule(
                    () -> handle.stop(Outcome.TIMED_OUT), d.timeout().toMillis(), TimeUnit.MILLISECONDS);
            TaskResult result = type.execute(ctx);
            if (handle.isStopped()) return stopped(handle, workerId, def, null, ctx);
            Map<String, Object> output = result == null ? Map.of() : result.output();
            if (def.branch()) {
                // Checked before the success is recorded: a bad choice fails the attempt (retried as any failure)
                // instead of leaving the decider with ids that are not there to run or skip.
                String problem = dev.sluice.task.BranchChoice.problem(
                        def.id(), output, graphs.graph(c.dagVersionId()).downstream(def.id()));
                if (problem != null) throw new TaskFailedException(problem);
            }
            return new Completion(c, workerId, Outcome.SUCCESS, output, null, null, clock.instant(), shown(ctx));
        } catch (Throwable e) {
            if (e instanceof InterruptedException) Thread.interrupted();
            if (handle.isStopped()) return stopped(handle, workerId, def, e, ctx);
            if (e instanceof dev.sluice.task.TaskRescheduleException again && ctx != null) {
                java.time.Instant ended = clock.instant();
                java.time.Instant next = ended.plus(again.nextCheckAfter());
                String note = "rescheduled: " + Secrets.mask(String.valueOf(again.getMessage()), ctx.secrets())
                        + "; next check at " + next;
                ctx.log().println("[sluice] " + note);
                java.time.Instant firstCheck = c.firstCheckAt() != null ? c.firstCheckAt() : ctx.startedAt();
                return new Completion(
                        c,
                        workerId,
                        Outcome.RESCHEDULED,
                        null,
                        note,
                        null,
                        ended,
                        shown(ctx),
                        null,
                        new Completion.Reschedule(firstCheck, next));
            }
            if (e instanceof dev.sluice.task.TaskSkippedException skip && ctx != null) {
                String note = Secrets.mask(String.valueOf(skip.getMessage()), ctx.secrets());
                ctx.log().println("[sluice] task skipped: " + note);
                return new Completion(c, workerId, Outcome.SKIPPED, null, note, null, clock.instant(), shown(ctx));
            }
            String error = ctx == null ? describe(e) : Secrets.mask(describe(e), ctx.secrets());
            Integer exit = e instanceof TaskFailedException tf ? tf.exitCode() : null;
            if (ctx != null) {
                PrintWriter log = ctx.log();
                if (e instanceof TaskFailedException) log.println("[sluice] task failed: " + error);
                else e.printStackTrace(log);
            }
            return new Completion(c, workerId, Outcome.FAILED, null, error, exit, clock.instant(), shown(ctx));
        } finally {
            if (timeout != null) timeout.cancel(false);
            if (ctx != null) ctx.closeLog();
        }
    }

    private Completion stopped(AttemptHandle handle, String workerId, TaskDef def, Throwable e, AttemptContext ctx) {
        Outcome o = handle.stopReason();
        String error = switch (o) {
            case TIMED_OUT -> "timed out after " + dev.sluice.task.Durations.format(def.timeout());
            case CANCELLED -> "cancelled";
            case HANDED_BACK -> "handed back: worker stopping; queued again without spending a try";
            default -> "stopped: worker shutting down";
        };
        if (ctx != null) ctx.log().println("[sluice] " + error);
        return new Completion(handle.claimed, workerId, o, null, error, null, clock.instant(), shown(ctx));
    }

    /** What the task page shows of the config: rendered, secrets masked; null if rendering did not get that far. */
    private static Map<String, Object> shown(AttemptContext ctx) {
        return ctx == null ? null : dev.sluice.template.SecretMask.mask(ctx.config(), ctx.secrets());
    }

    private static Map<String, CodeLanguage> codeFields(TaskType type) {
        Map<String, CodeLanguage> code = new HashMap<>();
        for (ConfigField f : type.configFields()) if (f.code() != null) code.put(f.name(), f.code());
        return code;
    }

    /**
     * What this attempt hides wherever it shows text (its log lines, rendered config, error): the secrets its
     * templates read and the values of params with secret-looking names, each also in every form a code field's
     * quoting may have given it.
     */
    static Set<String> masked(Set<String> secrets, Map<String, Object> params) {
        Set<String> raw = new HashSet<>(secrets);
        if (params != null) {
            params.forEach((name, value) -> {
                // Short values are left alone: masking every "1" in a log would hide the log, not a secret.
                if ((value instanceof String || value instanceof Number)
                        && SecretMask.isSecretName(name)
                        && String.valueOf(value).length() >= 4) raw.add(String.valueOf(value));
            });
        }
        Set<String> out = new HashSet<>();
        for (String v : raw) for (CodeLanguage l : CodeLanguage.values()) out.addAll(l.quotedForms(v));
        out.remove("");
        return out;
    }

    static <T> Supplier<T> memoize(Supplier<T> s) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) value = s.get();
                return value;
            }
        };
    }

    static Map<String, Object> withDefaults(TaskType type, Map<String, Object> config) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (ConfigField f : type.configFields()) if (f.defaultValue() != null) out.put(f.name(), f.defaultValue());
        out.putAll(config);
        return out;
    }

    static String describe(Throwable e) {
        if (e instanceof TaskFailedException) return e.getMessage();
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
