package dev.sluice.server.metrics;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.db.jooq.Tables.WORKER;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Prometheus metrics. Gauges come from three cheap indexed counts taken once per scrape; task durations and
 * hand-off lag (ready_at → started_at) are timers fed by the live-event stream, so they cost no query at all.
 * Every server sees every engine's events, so the timers describe the whole cluster.
 */
public final class EngineMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** States a worker claims from once ready_at has come (TaskState.CLAIMABLE). */
    private static final java.util.List<String> CLAIMABLE =
            dev.sluice.store.TaskInstanceRepository.dbNames(dev.sluice.run.TaskState.CLAIMABLE);

    private final DSLContext dsl;
    private final AtomicLong queued = new AtomicLong(),
            runsQueued = new AtomicLong(),
            runsRunning = new AtomicLong(),
            tasksRunning = new AtomicLong(),
            tasksRescheduled = new AtomicLong(),
            workers = new AtomicLong();
    private final Timer duration, lag;
    private final MultiGauge depthByQueue, workersByQueue, heartbeatAge;
    private final AtomicLong lostAttempts = new AtomicLong();

    public EngineMetrics(DSLContext dsl) {
        this.dsl = dsl;
        Gauge.builder("sluice_task_queue_depth", queued, AtomicLong::get)
                .description("Task instances queued, up for retry or up for reschedule and ready to be claimed")
                .register(registry);
        Gauge.builder("sluice_tasks_running", tasksRunning, AtomicLong::get).register(registry);
        Gauge.builder("sluice_tasks_up_for_reschedule", tasksRescheduled, AtomicLong::get)
                .description("Sensors in reschedule mode waiting for their next check, holding no worker slot")
                .register(registry);
        Gauge.builder("sluice_runs", runsQueued, AtomicLong::get)
                .tag("state", "queued")
                .register(registry);
        Gauge.builder("sluice_runs", runsRunning, AtomicLong::get)
                .tag("state", "running")
                .register(registry);
        Gauge.builder("sluice_workers_alive", workers, AtomicLong::get).register(registry);
        depthByQueue = MultiGauge.builder("sluice_queue_depth")
                .description("Task instances ready to be claimed, per queue")
                .register(registry);
        workersByQueue = MultiGauge.builder("sluice_queue_workers_alive")
                .description("Live workers serving each queue (0: tasks there wait for a worker)")
                .register(registry);
        heartbeatAge = MultiGauge.builder("sluice_worker_heartbeat_age_seconds")
                .description("Seconds since each live node's last heartbeat, as the database sees it")
                .register(registry);
        FunctionCounter.builder("sluice_attempts_lost", lostAttempts, AtomicLong::get)
                .description("Attempts recorded lost because their node stopped heartbeating")
                .register(registry);
        duration = Timer.builder("sluice_task_duration")
                .description("Attempt duration, started to ended")
                .publishPercentiles(0.5, 0.95, 0.99)
                .publishPercentileHistogram()
                .register(registry);
        lag = Timer.builder("sluice_task_handoff_lag")
                .description("From ready (queued) to started on a worker")
                .publishPercentiles(0.5, 0.95, 0.99)
                .publishPercentileHistogram()
                .register(registry);
    }

    /** This node's attempt-log counters (per node: each node counts what its worker wrote). */
    public void bindLogs(dev.sluice.store.LogStats logs) {
        FunctionCounter.builder("sluice_log_written", logs, dev.sluice.store.LogStats::bytesWritten)
                .description("Bytes this node wrote to attempt logs")
                .baseUnit("bytes")
                .register(registry);
        FunctionCounter.builder("sluice_log_cut", logs, dev.sluice.store.LogStats::bytesCut)
                .description("Bytes of task output this node discarded past SLUICE_LOG_MAX_BYTES")
                .baseUnit("bytes")
                .register(registry);
    }

    /**
     * This node's notification deliveries (a scheduler's): reached channels, failed tries (each retried with
     * backoff) and notifications given up after their last try.
     */
    public void bindNotifications(dev.sluice.notify.NotificationOutbox outbox) {
        if (outbox == null) return;
        FunctionCounter.builder("sluice_notifications_sent", outbox, dev.sluice.notify.NotificationOutbox::sent)
                .description("Notifications this node delivered to a channel")
                .register(registry);
        FunctionCounter.builder(
                        "sluice_notification_tries_failed", outbox, dev.sluice.notify.NotificationOutbox::failedTries)
                .description("Notification tries on this node that failed on a channel (retried with backoff)")
                .register(registry);
        FunctionCounter.builder("sluice_notifications_given_up", outbox, dev.sluice.notify.NotificationOutbox::givenUp)
                .description("Notifications this node gave up after every try failed (logged)")
                .register(registry);
    }

    /** Feeds the timers and counters from one state-change notification. */
    public void observe(JsonNode n) {
        String kind = n.path("kind").asText(), state = n.path("state").asText();
        if (kind.equals("run")) {
            if (state.equals("success") || state.equals("failed") || state.equals("cancelled")) {
                Counter.builder("sluice_runs_finished")
                        .tag("state", state)
                        .register(registry)
                        .increment();
            }
            return;
        }
        if (!kind.equals("task")) return;
        Counter.builder("sluice_task_state_changes")
                .tag("state", state)
                .register(registry)
                .increment();
        double ready = n.path("ready_at").asDouble(0),
                started = n.path("started_at").asDouble(0),
                ended = n.path("ended_at").asDouble(0);
        if (state.equals("running") && ready > 0 && started >= ready)
            lag.record(Duration.ofMillis((long) (started - ready)));
        if ((state.equals("success")
                        || state.equals("failed")
                        || state.equals("up_for_retry")
                        || state.equals("up_for_reschedule"))
                && started > 0
                && ended >= started) {
            duration.record(Duration.ofMillis((long) (ended - started)));
        }
    }

    /**
     * Per-queue depth and live workers (a queue with depth and no worker is a stuck queue), each node's heartbeat
     * age by the database's clock, and lost attempts: one grouped query each.
     */
    private void scrapeQueuesAndNodes() {
        Map<String, Integer> depth = dsl.select(TASK_INSTANCE.QUEUE, DSL.count())
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.STATE.in(CLAIMABLE), TASK_INSTANCE.READY_AT.le(DSL.currentOffsetDateTime()))
                .groupBy(TASK_INSTANCE.QUEUE)
                .fetchMap(TASK_INSTANCE.QUEUE, DSL.count());
        var queue = DSL.field("q", String.class);
        Map<String, Integer> serving = dsl.select(queue, DSL.count())
                .from(WORKER, DSL.unnest(WORKER.QUEUES).as("u", "q"))
                .where(WORKER.STOPPED_AT.isNull())
                .groupBy(queue)
                .fetchMap(queue, DSL.count());
        java.util.Set<String> queues = new java.util.TreeSet<>(depth.keySet());
        queues.addAll(serving.keySet());
        depthByQueue.register(
                queues.stream()
                        .map(q -> MultiGauge.Row.of(Tags.of("queue", q), depth.getOrDefault(q, 0)))
                        .toList(),
                true);
        workersByQueue.register(
                queues.stream()
                        .map(q -> MultiGauge.Row.of(Tags.of("queue", q), serving.getOrDefault(q, 0)))
                        .toList(),
                true);
        var age = DSL.field("extract(epoch from now() - {0})", Double.class, WORKER.HEARTBEAT_AT);
        var ages = dsl.select(WORKER.WORKER_ID, WORKER.ROLE, age)
                .from(WORKER)
                .where(WORKER.STOPPED_AT.isNull())
                .fetch();
        heartbeatAge.register(
                ages.stream()
                        .map(r -> MultiGauge.Row.of(
                                Tags.of("node", r.value1(), "role", r.value2()), r.value3() == null ? 0 : r.value3()))
                        .toList(),
                true);
        lostAttempts.set(dsl.fetchCount(ATTEMPT, ATTEMPT.STATE.eq("lost")));
    }

    /** Prometheus text, with the gauges refreshed first. */
    public String scrape() {
        queued.set(dsl.fetchCount(
                TASK_INSTANCE,
                TASK_INSTANCE.STATE.in(CLAIMABLE).and(TASK_INSTANCE.READY_AT.le(DSL.currentOffsetDateTime()))));
        tasksRunning.set(dsl.fetchCount(TASK_INSTANCE, TASK_INSTANCE.STATE.eq("running")));
        tasksRescheduled.set(dsl.fetchCount(TASK_INSTANCE, TASK_INSTANCE.STATE.eq("up_for_reschedule")));
        var byState = dsl.select(DAG_RUN.STATE, DSL.count())
                .from(DAG_RUN)
                .where(DAG_RUN.STATE.in("queued", "running"))
                .groupBy(DAG_RUN.STATE)
                .fetchMap(DAG_RUN.STATE, DSL.count());
        runsQueued.set(byState.getOrDefault("queued", 0));
        runsRunning.set(byState.getOrDefault("running", 0));
        workers.set(dsl.fetchCount(WORKER, WORKER.STOPPED_AT.isNull()));
        scrapeQueuesAndNodes();
        return registry.scrape();
    }
}
