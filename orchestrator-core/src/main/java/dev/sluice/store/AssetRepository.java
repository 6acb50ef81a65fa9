package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.ASSET;
import static dev.sluice.db.jooq.Tables.ASSET_CONSUMER;
import static dev.sluice.db.jooq.Tables.ASSET_EVENT;
import static dev.sluice.db.jooq.Tables.ASSET_EVENT_QUEUE;
import static dev.sluice.db.jooq.Tables.ASSET_PRODUCER;
import static dev.sluice.db.jooq.Tables.ASSET_TRIGGER_CURSOR;
import static dev.sluice.db.jooq.Tables.DAG;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.DAG_RUN_ASSET_EVENT;

import dev.sluice.dag.Dag;
import dev.sluice.dag.TaskDef;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * Assets, their events, who produces and consumes them, and each consumer DAG's queue of events it has not run on
 * yet. Events are recorded in the transaction of whatever caused them (a task's success, an API call), and each
 * is queued for every active consumer in that same transaction, so no consumer can miss one.
 */
public final class AssetRepository {
    /** Notified when events are recorded: the asset trigger of every scheduler wakes and checks its consumers. */
    public static final String CHANNEL = "sluice_assets";

    /** Where an event came from. */
    public enum Source {
        TASK,
        API;

        public String dbName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** An event to record. The producing dag/run/task are null for an API event, {@code createdBy} for a task's. */
    public record NewEvent(
            String uri,
            Source source,
            String dagId,
            String runId,
            String taskId,
            String createdBy,
            Map<String, Object> extra,
            Instant at) {}

    /** A recorded event, as templates and the API show it. */
    public record Event(
            long id,
            String uri,
            String source,
            String sourceDagId,
            String sourceRunId,
            String sourceTaskId,
            String createdBy,
            Map<String, Object> extra,
            Instant timestamp) {}

    /** An event queued for a consumer DAG. */
    public record Queued(long eventId, String uri, Instant at) {}

    public record Producer(String dagId, String taskId) {}

    public record AssetSummary(
            long id,
            String uri,
            Instant createdAt,
            List<Producer> producers,
            List<String> consumers,
            Event latestEvent) {}

    public record AssetDetail(
            long id,
            String uri,
            Instant createdAt,
            List<Producer> producers,
            List<String> consumers,
            List<Event> latestEvents) {}

    /**
     * Rewrites the DAG's producer and consumer rows from its (new latest) definition, inside the transaction that
     * saved it. Queued events of assets the DAG no longer runs on are dropped: they could never complete a trigger.
     */
    public void syncReferences(DSLContext tx, Dag dag) {
        Set<String> consumed = new LinkedHashSet<>(
                dag.assetSchedule() == null ? List.of() : dag.assetSchedule().assets());
        Set<String> all = new LinkedHashSet<>(consumed);
        for (TaskDef t : dag.tasks()) all.addAll(t.outlets());
        Map<String, Long> ids = ensure(tx, all);
        tx.deleteFrom(ASSET_PRODUCER).where(ASSET_PRODUCER.DAG_ID.eq(dag.id())).execute();
        tx.deleteFrom(ASSET_CONSUMER).where(ASSET_CONSUMER.DAG_ID.eq(dag.id())).execute();
        var producers =
                tx.insertInto(ASSET_PRODUCER, ASSET_PRODUCER.DAG_ID, ASSET_PRODUCER.TASK_ID, ASSET_PRODUCER.ASSET_ID);
        boolean anyProducer = false;
        for (TaskDef t : dag.tasks()) {
            for (String uri : t.outlets()) {
                producers = producers.values(dag.id(), t.id(), ids.get(uri));
                anyProducer = true;
            }
        }
        if (anyProducer) producers.onConflictDoNothing().execute();
        if (!consumed.isEmpty()) {
            var consumers = tx.insertInto(ASSET_CONSUMER, ASSET_CONSUMER.DAG_ID, ASSET_CONSUMER.ASSET_ID);
            for (String uri : consumed) consumers = consumers.values(dag.id(), ids.get(uri));
            consumers.onConflictDoNothing().execute();
            tx.insertInto(ASSET_TRIGGER_CURSOR)
                    .set(ASSET_TRIGGER_CURSOR.DAG_ID, dag.id())
                    .onConflictDoNothing()
                    .execute();
        }
        List<Long> keep = consumed.stream().map(ids::get).toList();
        tx.deleteFrom(ASSET_EVENT_QUEUE)
                .where(ASSET_EVENT_QUEUE.DAG_ID.eq(dag.id()), ASSET_EVENT_QUEUE.ASSET_ID.notIn(keep))
                .execute();
    }

    /** The ids of these URIs' assets, creating the missing ones. */
    private static Map<String, Long> ensure(DSLContext tx, Collection<String> uris) {
        Map<String, Long> ids = new HashMap<>();
        if (uris.isEmpty()) return ids;
        var insert = tx.insertInto(ASSET, ASSET.URI);
        for (String uri : uris) insert = insert.values(uri);
        insert.onConflictDoNothing().execute();
        tx.select(ASSET.URI, ASSET.ID)
                .from(ASSET)
                .where(ASSET.URI.in(uris))
                .forEach(r -> ids.put(r.value1(), r.value2()));
        return ids;
    }

    /** The asset's id, if it exists. */
    public Optional<Long> idOf(DSLContext dsl, String uri) {
        return dsl.select(ASSET.ID).from(ASSET).where(ASSET.URI.eq(uri)).fetchOptional(ASSET.ID);
    }

    /**
     * Records the events (creating their assets), queues each for the active consumer DAGs of its asset and
     * notifies {@link #CHANNEL} at commit. Returns the new events' ids in order.
     */
    public List<Long> record(DSLContext tx, List<NewEvent> events) {
        if (events.isEmpty()) return List.of();
        Map<String, Long> ids =
                ensure(tx, events.stream().map(NewEvent::uri).collect(java.util.stream.Collectors.toSet()));
        var insert = tx.insertInto(
                ASSET_EVENT,
                ASSET_EVENT.ASSET_ID,
                ASSET_EVENT.SOURCE,
                ASSET_EVENT.SOURCE_DAG_ID,
                ASSET_EVENT.SOURCE_RUN_ID,
                ASSET_EVENT.SOURCE_TASK_ID,
                ASSET_EVENT.CREATED_BY,
                ASSET_EVENT.EXTRA,
                ASSET_EVENT.CREATED_AT);
        for (NewEvent e : events) {
            insert = insert.values(
                    ids.get(e.uri()),
                    e.source().dbName(),
                    e.dagId(),
                    e.runId(),
                    e.taskId(),
                    e.createdBy(),
                    org.jooq.JSON.valueOf(Json.write(e.extra() == null ? Map.of() : e.extra())),
                    offset(e.at()));
        }
        List<Long> eventIds = insert.returningResult(ASSET_EVENT.ID).fetch(r -> r.value1());
        // Only consumers whose DAG is active: a retired DAG must not collect a backlog it would run on if it came back.
        tx.insertInto(
                        ASSET_EVENT_QUEUE,
                        ASSET_EVENT_QUEUE.DAG_ID,
                        ASSET_EVENT_QUEUE.EVENT_ID,
                        ASSET_EVENT_QUEUE.ASSET_ID)
                .select(tx.select(ASSET_CONSUMER.DAG_ID, ASSET_EVENT.ID, ASSET_EVENT.ASSET_ID)
                        .from(ASSET_EVENT)
                        .join(ASSET_CONSUMER)
                        .on(ASSET_CONSUMER.ASSET_ID.eq(ASSET_EVENT.ASSET_ID))
                        .join(DAG)
                        .on(DAG.DAG_ID.eq(ASSET_CONSUMER.DAG_ID), DAG.IS_ACTIVE.isTrue())
                        .where(ASSET_EVENT.ID.in(eventIds)))
                .onConflictDoNothing()
                .execute();
        // Delivered at commit, folded into one per transaction by PostgreSQL.
        tx.select(DSL.function("pg_notify", Object.class, DSL.val(CHANNEL), DSL.val("")))
                .fetch();
        return eventIds;
    }

    /** Of these runs, the ones whose events must not reach consumers: {@code sluice dags test} tries. */
    public Set<Long> testRuns(DSLContext tx, Collection<Long> runKeys) {
        if (runKeys.isEmpty()) return Set.of();
        return new java.util.HashSet<>(tx.select(DAG_RUN.ID)
                .from(DAG_RUN)
                .where(DAG_RUN.ID.in(runKeys), DAG_RUN.RUN_TYPE.eq("test"))
                .fetch(DAG_RUN.ID));
    }

    /** Active, unpaused DAGs with queued events: the ones worth checking. */
    public List<String> consumersWithQueuedEvents(DSLContext dsl) {
        return dsl.selectDistinct(ASSET_EVENT_QUEUE.DAG_ID)
                .from(ASSET_EVENT_QUEUE)
                .join(DAG)
                .on(DAG.DAG_ID.eq(ASSET_EVENT_QUEUE.DAG_ID), DAG.IS_ACTIVE.isTrue(), DAG.IS_PAUSED.isFalse())
                .orderBy(ASSET_EVENT_QUEUE.DAG_ID)
                .fetch(ASSET_EVENT_QUEUE.DAG_ID);
    }

    /**
     * Locks the DAG's trigger cursor until commit (creating it if needed) and returns when it last triggered. A
     * plain {@code FOR UPDATE}, not SKIP LOCKED: a scheduler that skipped could miss an event committed while the
     * other one decided, and wait for the sweep; waiting a few milliseconds for the lock and then reading the queue
     * anew misses nothing, and the queue rows the first one consumed are gone by then.
     */
    public Optional<Instant> lockCursor(DSLContext tx, String dagId) {
        tx.insertInto(ASSET_TRIGGER_CURSOR)
                .set(ASSET_TRIGGER_CURSOR.DAG_ID, dagId)
                .onConflictDoNothing()
                .execute();
        return Optional.ofNullable(tx.select(ASSET_TRIGGER_CURSOR.LAST_TRIGGERED_AT)
                        .from(ASSET_TRIGGER_CURSOR)
                        .where(ASSET_TRIGGER_CURSOR.DAG_ID.eq(dagId))
                        .forUpdate()
                        .fetchOne()
                        .value1())
                .map(OffsetDateTime::toInstant);
    }

    /** The DAG's queued events, oldest first. Call with its cursor locked. */
    public List<Queued> queued(DSLContext tx, String dagId) {
        return tx.select(ASSET_EVENT.ID, ASSET.URI, ASSET_EVENT.CREATED_AT)
                .from(ASSET_EVENT_QUEUE)
                .join(ASSET_EVENT)
                .on(ASSET_EVENT.ID.eq(ASSET_EVENT_QUEUE.EVENT_ID))
                .join(ASSET)
                .on(ASSET.ID.eq(ASSET_EVENT_QUEUE.ASSET_ID))
                .where(ASSET_EVENT_QUEUE.DAG_ID.eq(dagId))
                .orderBy(ASSET_EVENT.ID)
                .fetch(r -> new Queued(r.value1(), r.value2(), r.value3().toInstant()));
    }

    /** Drops queued events of the DAG (assets it no longer runs on). */
    public void dropQueued(DSLContext tx, String dagId, Collection<Long> eventIds) {
        if (eventIds.isEmpty()) return;
        tx.deleteFrom(ASSET_EVENT_QUEUE)
                .where(ASSET_EVENT_QUEUE.DAG_ID.eq(dagId), ASSET_EVENT_QUEUE.EVENT_ID.in(eventIds))
                .execute();
    }

    /**
     * Marks the events as consumed by the run: removes exactly these queue rows (an event that arrived meanwhile
     * stays for the next run), links them to the run and moves the cursor, all in the run's transaction.
     */
    public void consume(DSLContext tx, String dagId, Collection<Long> eventIds, long runKey, Instant at) {
        dropQueued(tx, dagId, eventIds);
        var link = tx.insertInto(DAG_RUN_ASSET_EVENT, DAG_RUN_ASSET_EVENT.RUN_KEY, DAG_RUN_ASSET_EVENT.EVENT_ID);
        for (long id : eventIds) link = link.values(runKey, id);
        link.execute();
        tx.update(ASSET_TRIGGER_CURSOR)
                .set(ASSET_TRIGGER_CURSOR.LAST_TRIGGERED_AT, offset(at))
                .set(ASSET_TRIGGER_CURSOR.LAST_RUN_KEY, runKey)
                .where(ASSET_TRIGGER_CURSOR.DAG_ID.eq(dagId))
                .execute();
    }

    /** The events that triggered the run, by asset URI (empty for a run not triggered by assets). */
    public Map<String, List<Event>> triggeringEvents(DSLContext dsl, long runKey) {
        Map<String, List<Event>> out = new LinkedHashMap<>();
        dsl.select(eventFields())
                .from(DAG_RUN_ASSET_EVENT)
                .join(ASSET_EVENT)
                .on(ASSET_EVENT.ID.eq(DAG_RUN_ASSET_EVENT.EVENT_ID))
                .join(ASSET)
                .on(ASSET.ID.eq(ASSET_EVENT.ASSET_ID))
                .where(DAG_RUN_ASSET_EVENT.RUN_KEY.eq(runKey))
                .orderBy(ASSET.URI, ASSET_EVENT.ID)
                .forEach(r -> {
                    Event e = event(r);
                    out.computeIfAbsent(e.uri(), k -> new ArrayList<>()).add(e);
                });
        return out;
    }

    /** Every asset with its producers and consumers (active DAGs) and its latest event, by URI. Four queries. */
    public List<AssetSummary> list(DSLContext dsl) {
        var latest = DSL.field(
                DSL.select(DSL.max(ASSET_EVENT.ID)).from(ASSET_EVENT).where(ASSET_EVENT.ASSET_ID.eq(ASSET.ID)));
        var rows = dsl.select(ASSET.ID, ASSET.URI, ASSET.CREATED_AT, latest)
                .from(ASSET)
                .orderBy(ASSET.URI)
                .fetch();
        Map<Long, List<Producer>> producers = new HashMap<>();
        dsl.select(ASSET_PRODUCER.ASSET_ID, ASSET_PRODUCER.DAG_ID, ASSET_PRODUCER.TASK_ID)
                .from(ASSET_PRODUCER)
                .join(DAG)
                .on(DAG.DAG_ID.eq(ASSET_PRODUCER.DAG_ID), DAG.IS_ACTIVE.isTrue())
                .orderBy(ASSET_PRODUCER.DAG_ID, ASSET_PRODUCER.TASK_ID)
                .forEach(r -> producers
                        .computeIfAbsent(r.value1(), k -> new ArrayList<>())
                        .add(new Producer(r.value2(), r.value3())));
        Map<Long, List<String>> consumers = new HashMap<>();
        dsl.select(ASSET_CONSUMER.ASSET_ID, ASSET_CONSUMER.DAG_ID)
                .from(ASSET_CONSUMER)
                .join(DAG)
                .on(DAG.DAG_ID.eq(ASSET_CONSUMER.DAG_ID), DAG.IS_ACTIVE.isTrue())
                .orderBy(ASSET_CONSUMER.DAG_ID)
                .forEach(r -> consumers
                        .computeIfAbsent(r.value1(), k -> new ArrayList<>())
                        .add(r.value2()));
        List<Long> latestIds =
                rows.stream().map(r -> r.value4()).filter(id -> id != null).toList();
        Map<Long, Event> events = new HashMap<>();
        if (!latestIds.isEmpty()) {
            dsl.select(eventFields())
                    .from(ASSET_EVENT)
                    .join(ASSET)
                    .on(ASSET.ID.eq(ASSET_EVENT.ASSET_ID))
                    .where(ASSET_EVENT.ID.in(latestIds))
                    .forEach(r -> events.put(r.get(ASSET_EVENT.ID), event(r)));
        }
        return rows.map(r -> new AssetSummary(
                r.value1(),
                r.value2(),
                r.value3().toInstant(),
                producers.getOrDefault(r.value1(), List.of()),
                consumers.getOrDefault(r.value1(), List.of()),
                r.value4() == null ? null : events.get(r.value4())));
    }

    /** One asset by URI, with its producers, consumers (active DAGs) and newest {@code eventLimit} events. */
    public Optional<AssetDetail> find(DSLContext dsl, String uri, int eventLimit) {
        return dsl.select(ASSET.ID)
                .from(ASSET)
                .where(ASSET.URI.eq(uri))
                .fetchOptional(ASSET.ID)
                .flatMap(id -> find(dsl, id, eventLimit));
    }

    public Optional<AssetDetail> find(DSLContext dsl, long id, int eventLimit) {
        var asset = dsl.select(ASSET.ID, ASSET.URI, ASSET.CREATED_AT)
                .from(ASSET)
                .where(ASSET.ID.eq(id))
                .fetchOne();
        if (asset == null) return Optional.empty();
        List<Producer> producers = dsl.select(ASSET_PRODUCER.DAG_ID, ASSET_PRODUCER.TASK_ID)
                .from(ASSET_PRODUCER)
                .join(DAG)
                .on(DAG.DAG_ID.eq(ASSET_PRODUCER.DAG_ID), DAG.IS_ACTIVE.isTrue())
                .where(ASSET_PRODUCER.ASSET_ID.eq(id))
                .orderBy(ASSET_PRODUCER.DAG_ID, ASSET_PRODUCER.TASK_ID)
                .fetch(r -> new Producer(r.value1(), r.value2()));
        List<String> consumers = dsl.select(ASSET_CONSUMER.DAG_ID)
                .from(ASSET_CONSUMER)
                .join(DAG)
                .on(DAG.DAG_ID.eq(ASSET_CONSUMER.DAG_ID), DAG.IS_ACTIVE.isTrue())
                .where(ASSET_CONSUMER.ASSET_ID.eq(id))
                .orderBy(ASSET_CONSUMER.DAG_ID)
                .fetch(ASSET_CONSUMER.DAG_ID);
        List<Event> events = dsl.select(eventFields())
                .from(ASSET_EVENT)
                .join(ASSET)
                .on(ASSET.ID.eq(ASSET_EVENT.ASSET_ID))
                .where(ASSET_EVENT.ASSET_ID.eq(id))
                .orderBy(ASSET_EVENT.ID.desc())
                .limit(eventLimit)
                .fetch(AssetRepository::event);
        return Optional.of(new AssetDetail(
                asset.value1(), asset.value2(), asset.value3().toInstant(), producers, consumers, events));
    }

    private static List<org.jooq.SelectField<?>> eventFields() {
        return List.of(
                ASSET_EVENT.ID,
                ASSET.URI,
                ASSET_EVENT.SOURCE,
                ASSET_EVENT.SOURCE_DAG_ID,
                ASSET_EVENT.SOURCE_RUN_ID,
                ASSET_EVENT.SOURCE_TASK_ID,
                ASSET_EVENT.CREATED_BY,
                ASSET_EVENT.EXTRA,
                ASSET_EVENT.CREATED_AT);
    }

    private static Event event(Record r) {
        return new Event(
                r.get(ASSET_EVENT.ID),
                r.get(ASSET.URI),
                r.get(ASSET_EVENT.SOURCE),
                r.get(ASSET_EVENT.SOURCE_DAG_ID),
                r.get(ASSET_EVENT.SOURCE_RUN_ID),
                r.get(ASSET_EVENT.SOURCE_TASK_ID),
                r.get(ASSET_EVENT.CREATED_BY),
                Json.map(r.get(ASSET_EVENT.EXTRA).data()),
                r.get(ASSET_EVENT.CREATED_AT).toInstant());
    }

    private static OffsetDateTime offset(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }
}
