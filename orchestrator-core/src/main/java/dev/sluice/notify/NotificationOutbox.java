package dev.sluice.notify;

import dev.sluice.dag.Dag;
import dev.sluice.dag.Notifications;
import dev.sluice.dag.Notifications.Channel;
import dev.sluice.dag.Notifications.Event;
import dev.sluice.store.Database;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the notification outbox (table {@code notification}, filled by V43's triggers in the transactions that
 * fail tasks and finish runs, and by the {@link dev.sluice.deadline.DeadlineChecker}). Runs on scheduler nodes.
 *
 * <p>Several schedulers share the outbox: each claims due rows with {@code FOR UPDATE SKIP LOCKED} and moves their
 * {@code next_at} a lease ahead in the same statement, so no other node takes a row while its delivery is under way;
 * the row is then marked sent, or put back with backoff, only by the node whose claim it still carries. A node that
 * dies mid-delivery leaves the row to be taken again when the lease ends. Times are the database's, so nodes with
 * skewed clocks agree on what is due.
 *
 * <p>A failing channel never touches the run: the row is retried {@code attempts} times with backoff, only towards
 * the channels that failed, then given up as {@code failed}, logged and counted ({@link #givenUp()}).
 */
public final class NotificationOutbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NotificationOutbox.class);
    /** Longer than a delivery can take (a few channels, each bounded by the timeout). */
    private static final Duration LEASE = Duration.ofMinutes(2);

    private static final Duration RETENTION = Duration.ofDays(7);
    private static final int PARALLEL = 4;

    private final DSLContext dsl;
    private final NotificationSettings settings;
    private final LongFunction<Dag> dagVersions;
    private final ChannelDelivery delivery;
    private final String nodeId;
    private final Duration pollInterval;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sluice-notify-outbox").factory());
    private final ExecutorService senders = Executors.newFixedThreadPool(
            PARALLEL, Thread.ofPlatform().daemon().name("sluice-notify-", 0).factory());
    private final Semaphore free = new Semaphore(PARALLEL);
    private final AtomicLong sent = new AtomicLong(), failedTries = new AtomicLong(), givenUp = new AtomicLong();
    private volatile long lastRetention;

    /**
     * @param dagVersions the DAG of a version id (e.g. {@code engine.graphs()::dag}): where its channels are read
     * @param secrets secret lookup for channels' {@code url_secret} (null: {@code SLUICE_SECRET_*})
     */
    public NotificationOutbox(
            Database db,
            NotificationSettings settings,
            LongFunction<Dag> dagVersions,
            String nodeId,
            Duration pollInterval,
            UnaryOperator<String> secrets) {
        this.dsl = db.dsl();
        this.settings = settings;
        this.dagVersions = dagVersions;
        this.delivery = new ChannelDelivery(settings, secrets);
        this.nodeId = nodeId;
        this.pollInterval = pollInterval;
    }

    public NotificationOutbox start() {
        long ms = pollInterval.toMillis();
        ticker.scheduleWithFixedDelay(this::tick, ms, ms, TimeUnit.MILLISECONDS);
        log.info("Notification outbox delivering from node {} ({})", nodeId, settings);
        return this;
    }

    /** Deliveries that reached their channel. */
    public long sent() {
        return sent.get();
    }

    /** Tries that failed on at least one channel (each is retried until the attempts run out). */
    public long failedTries() {
        return failedTries.get();
    }

    /** Notifications given up after every try failed. */
    public long givenUp() {
        return givenUp.get();
    }

    private void tick() {
        try {
            int slots = free.availablePermits();
            if (slots > 0) {
                for (NotificationEvent e : claim(slots)) {
                    free.acquireUninterruptibly();
                    senders.execute(() -> {
                        try {
                            deliver(e);
                        } catch (RuntimeException ex) {
                            log.warn("Notification {} could not be recorded: {}", e.id(), ex.toString());
                        } finally {
                            free.release();
                        }
                    });
                }
            }
            long now = System.currentTimeMillis();
            if (now - lastRetention > Duration.ofHours(1).toMillis()) {
                lastRetention = now;
                int gone = dsl.execute(
                        "delete from notification where state <> 'pending' and created_at < now() - ?::interval",
                        RETENTION.toSeconds() + " seconds");
                if (gone > 0) log.debug("Deleted {} delivered notifications older than {}", gone, RETENTION);
            }
        } catch (Exception e) {
            log.warn("Notification outbox check failed: {}", e.toString());
        }
    }

    /** Claims up to {@code limit} due rows for this node, with the run's id and logical date. */
    List<NotificationEvent> claim(int limit) {
        var rows = dsl.fetch("""
                with claimed as (
                    update notification n
                       set attempts = n.attempts + 1, claimed_by = ?, next_at = now() + ?::interval
                     where n.id in (select id from notification
                                     where state = 'pending' and next_at <= now()
                                     order by next_at, id limit ? for update skip locked)
                       and n.state = 'pending'
                    returning n.*)
                select c.id, c.event, c.dag_id, c.dag_version_id, c.run_id, r.run_id as run_name, r.logical_date,
                       c.task_id, c.try_number, c.error, c.due_at, c.attempts, c.done_channels
                  from claimed c left join dag_run r on r.id = c.run_id
                 order by c.id
                """, nodeId, LEASE.toSeconds() + " seconds", limit);
        List<NotificationEvent> out = new ArrayList<>(rows.size());
        for (Record r : rows) {
            Object[] done = r.get("done_channels") instanceof Object[] a ? a : null;
            out.add(new NotificationEvent(
                    r.get("id", Long.class),
                    Event.fromYaml(r.get("event", String.class)),
                    r.get("dag_id", String.class),
                    r.get("dag_version_id", Long.class),
                    r.get("run_id", Long.class),
                    r.get("run_name", String.class),
                    instant(r.get("logical_date", OffsetDateTime.class)),
                    r.get("task_id", String.class),
                    r.get("try_number", Integer.class),
                    r.get("error", String.class),
                    instant(r.get("due_at", OffsetDateTime.class)),
                    r.get("attempts", Integer.class),
                    done == null
                            ? Set.of()
                            : new LinkedHashSet<>(
                                    Arrays.stream(done).map(String::valueOf).toList())));
        }
        return out;
    }

    /** The channels told of this event, by a stable key (its place in the DAG's list, or the server-wide kind). */
    Map<String, Channel> channelsFor(NotificationEvent e) {
        Map<String, Channel> out = new LinkedHashMap<>();
        Notifications n;
        try {
            n = dagVersions.apply(e.dagVersionId()).notifications();
        } catch (RuntimeException ex) {
            log.warn("Notification {}: DAG version {} unreadable: {}", e.id(), e.dagVersionId(), ex.toString());
            return out;
        }
        if (n.isDefault()) {
            for (Channel c : settings.serverChannels())
                if (c.on().contains(e.event()) && e.event() != Event.RUN_SUCCEEDED)
                    out.put("server:" + c.kind().yamlName(), c);
        } else {
            for (int i = 0; i < n.channels().size(); i++) {
                Channel c = n.channels().get(i);
                if (c.on().contains(e.event())) out.put("notifications[" + i + "]", c);
            }
        }
        return out;
    }

    void deliver(NotificationEvent e) {
        Set<String> done = new LinkedHashSet<>(e.doneChannels());
        List<String> problems = new ArrayList<>();
        // A channel with nowhere to send (no URL or recipients, no SMTP server) will not get better by retrying.
        boolean onlyUnconfigured = true;
        for (var entry : channelsFor(e).entrySet()) {
            String key = entry.getKey();
            Channel c = entry.getValue();
            if (done.contains(key)) continue;
            if (!delivery.configured(c)) {
                problems.add(c.kind().yamlName() + " " + key + ": nowhere to send ("
                        + (c.kind() == Notifications.Kind.EMAIL
                                ? "no recipients or no SMTP server: SLUICE_NOTIFY_EMAIL_TO, SLUICE_SMTP_HOST"
                                : "no url or url_secret and no server-wide URL")
                        + ")");
                continue;
            }
            try {
                delivery.send(e, c);
                done.add(key);
                sent.incrementAndGet();
            } catch (ChannelDelivery.DeliveryException ex) {
                problems.add(c.kind().yamlName() + " " + key + ": " + ex.getMessage());
                onlyUnconfigured = false;
            }
        }
        String[] doneArray = done.toArray(String[]::new);
        if (problems.isEmpty()) {
            dsl.execute(
                    "update notification set state = ?, sent_at = now(), done_channels = ?, last_error = null"
                            + " where id = ? and claimed_by = ?",
                    done.isEmpty() ? "skipped" : "sent",
                    doneArray,
                    e.id(),
                    nodeId);
            return;
        }
        failedTries.incrementAndGet();
        String error = String.join("; ", problems);
        boolean last = e.attempts() >= settings.attempts() || onlyUnconfigured;
        long delayMs = settings.backoff().toMillis() << Math.min(Math.max(e.attempts() - 1, 0), 10);
        dsl.execute(
                "update notification set state = ?, next_at = now() + ?::interval, done_channels = ?, last_error = ?"
                        + " where id = ? and claimed_by = ?",
                last ? "failed" : "pending",
                delayMs + " milliseconds",
                doneArray,
                error,
                e.id(),
                nodeId);
        if (last) {
            givenUp.incrementAndGet();
            log.warn(
                    "Notification {} of DAG {} run {} given up after {} tries: {}",
                    e.event().yamlName(),
                    e.dagId(),
                    e.runId(),
                    e.attempts(),
                    error);
        } else {
            log.info(
                    "Notification {} of DAG {} failed (try {}), retrying in {} ms: {}",
                    e.event().yamlName(),
                    e.dagId(),
                    e.attempts(),
                    delayMs,
                    error);
        }
    }

    private static java.time.Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    /** Stops claiming; deliveries in flight get a moment to finish (an unfinished one is retried after its lease). */
    @Override
    public void close() {
        ticker.shutdownNow();
        senders.shutdown();
        try {
            senders.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        senders.shutdownNow();
    }
}
