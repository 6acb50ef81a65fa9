package dev.sluice.ml.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.ConfigField;
import dev.sluice.task.Durations;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * source: kafka. Reads a topic as a bounded batch: the end offsets are taken once at the start, so records produced
 * while the read runs are left for the next run, and a rerun over the same offsets reads the same records. The
 * consumer is assigned partitions and seeks; it joins no group and commits nothing, so reading never moves anyone's
 * committed offsets.
 *
 * <p>Bounds are offsets per partition ({@code start_offsets} inclusive, {@code end_offsets} exclusive) or a time
 * window [from, to) on the record timestamps, found with the broker's time index ({@code offsetsForTimes}). Records
 * of a window whose timestamp lies outside it (producers may set timestamps out of order) are left out.
 */
final class KafkaSource {
    static final List<ConfigField> FIELDS = List.of(
            ConfigField.optional(
                    "bootstrap_servers",
                    FieldType.STRING,
                    null,
                    "source kafka: host:port[,host:port...] of the brokers."),
            ConfigField.optional("topic", FieldType.STRING, null, "source kafka: topic to read."),
            ConfigField.optional("partitions", FieldType.LIST, null, "source kafka: partitions to read; default: all."),
            ConfigField.optional(
                    "start_offsets",
                    FieldType.ANY,
                    null,
                    "source kafka: first offset read, inclusive: earliest | latest | a number, or a mapping partition: one of those; default earliest."),
            ConfigField.optional(
                    "end_offsets",
                    FieldType.ANY,
                    null,
                    "source kafka: where the read stops, exclusive: latest (the end when the read starts) | a number, or a mapping partition: one of those; default latest."),
            ConfigField.optional(
                    "from",
                    FieldType.STRING,
                    null,
                    "source kafka, kinesis: ISO-8601 start of a time window on record timestamps (kinesis: arrival times), inclusive."),
            ConfigField.optional(
                    "to", FieldType.STRING, null, "source kafka, kinesis: ISO-8601 end of the time window, exclusive."),
            ConfigField.optional(
                    "window",
                    FieldType.STRING,
                    null,
                    "source kafka, kinesis: logical_day reads records timestamped in the run's day: [logical date, +1 day)."),
            ConfigField.optional(
                    "format",
                    FieldType.STRING,
                    "json",
                    "source kafka, kinesis: json (each value a JSON object) | text (each value a string, in column value)."),
            ConfigField.optional(
                    "key_column",
                    FieldType.STRING,
                    null,
                    "source kafka, kinesis: column to hold the record key (kinesis: partition key) as text; default: no key column."),
            ConfigField.optional(
                    "consumer",
                    FieldType.MAP,
                    Map.of(),
                    "source kafka: extra Kafka consumer properties, e.g. security.protocol, sasl.jaas.config; never logged."),
            ConfigField.optional(
                    "connect_timeout",
                    FieldType.DURATION,
                    "30s",
                    "source kafka, kinesis: time allowed to reach the brokers (the endpoint) and look up partitions and offsets (shards)."),
            ConfigField.optional(
                    "read_timeout",
                    FieldType.DURATION,
                    "10m",
                    "source kafka, kinesis: time allowed for the whole read."));

    /** Columns every row gets, after the value's fields. */
    static final String PARTITION = "_partition";

    static final String OFFSET = "_offset";
    static final String TIMESTAMP = "_timestamp";

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Duration POLL = Duration.ofMillis(500);

    private final Cfg cfg;
    private final String bootstrap;
    private final String topic;
    private final Duration connectTimeout;

    KafkaSource(Cfg cfg) throws TaskFailedException {
        this.cfg = cfg;
        this.bootstrap = cfg.str("bootstrap_servers");
        this.topic = cfg.str("topic");
        this.connectTimeout = Durations.parse(cfg.str("connect_timeout"));
    }

    static List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>();
        for (String k : List.of("bootstrap_servers", "topic")) {
            if (config.get(k) == null || config.get(k).toString().isBlank())
                errors.add(k + " is required with source kafka");
        }
        if (config.get("partitions") instanceof List<?> l) {
            for (Object p : l)
                if (!Cfg.isTemplate(p) && partition(p) < 0)
                    errors.add("partitions: \"" + p + "\" is not a partition number");
        } else if (config.get("partitions") != null) {
            errors.add("partitions must be a list of partition numbers");
        }
        checkOffsets(config, "start_offsets", List.of("earliest", "latest"), errors);
        checkOffsets(config, "end_offsets", List.of("latest"), errors);
        boolean byOffsets = config.get("start_offsets") != null || config.get("end_offsets") != null;
        boolean byTime = config.get("from") != null || config.get("to") != null || config.get("window") != null;
        if (byOffsets && byTime)
            errors.add(
                    "start_offsets/end_offsets and from/to/window are exclusive: bound the read by offsets or by time");
        Object window = config.get("window");
        if (window != null && !Cfg.isTemplate(window) && !window.equals("logical_day")) {
            errors.add("window must be logical_day, got \"" + window + "\"");
        }
        if (window != null && (config.get("from") != null || config.get("to") != null)) {
            errors.add("window and from/to are exclusive: window: logical_day sets both");
        }
        Instant from = instant(config, "from", errors);
        Instant to = instant(config, "to", errors);
        if (from != null && to != null && !from.isBefore(to)) errors.add("from must be before to");
        Object format = config.getOrDefault("format", "json");
        if (!Cfg.isTemplate(format) && !List.of("json", "text").contains(format))
            errors.add("format must be json or text, got \"" + format + "\"");
        if ("text".equals(format) && config.get("columns") != null)
            errors.add("columns: a text value has no fields to declare; it is column value");
        if (config.get("consumer") != null && !(config.get("consumer") instanceof Map))
            errors.add("consumer must be a mapping of Kafka consumer properties");
        errors.addAll(Cfg.durationErrors(config, "connect_timeout", "read_timeout"));
        return errors;
    }

    /** Reads the bounded batch into the DuckDB table {@code raw}; returns the number of bad records. */
    long read(TaskContext ctx, MlTask task, DuckDb db, Map<String, Object> output) throws Exception {
        boolean text = cfg.str("format", "json").equals("text");
        String keyColumn = cfg.str("key_column", null);
        Map<String, String> meta = new LinkedHashMap<>();
        if (keyColumn != null) meta.put(keyColumn, "VARCHAR");
        if (text) meta.put("value", "VARCHAR");
        meta.put(PARTITION, "INTEGER");
        meta.put(OFFSET, "BIGINT");
        meta.put(TIMESTAMP, "TIMESTAMP");
        Instant deadline = Instant.now().plus(Durations.parse(cfg.str("read_timeout")));
        try (RecordSpool spool = new RecordSpool(ctx, task, cfg, meta);
                Consumer consumer = new Consumer(properties(ctx))) {
            List<TopicPartition> partitions = partitions(consumer.kafka);
            Window window = window(ctx);
            Map<TopicPartition, long[]> bounds = window == null
                    ? offsetBounds(consumer.kafka, partitions)
                    : timeBounds(consumer.kafka, partitions, window);
            Map<String, Object> offsets = new LinkedHashMap<>();
            bounds.forEach((tp, b) -> {
                Map<String, Object> range = new LinkedHashMap<>();
                range.put("start", b[0]);
                range.put("end", b[1]);
                offsets.put(Integer.toString(tp.partition()), range);
            });
            ctx.log().printf("snapshot of topic %s taken, reading offsets [start, end) %s%n", topic, offsets);
            long outside = readBatch(ctx, consumer.kafka, bounds, window, deadline, spool, keyColumn, text);
            long bad = spool.finish(db, output);
            output.put("offsets", offsets);
            ctx.log()
                    .printf(
                            "read %d records (%d bad%s) from topic %s%n",
                            spool.good(), bad, window == null ? "" : ", " + outside + " outside the window", topic);
            return bad;
        }
    }

    /** The consumer, closed with a bound: the default close waits up to 30s for a broker that may be gone. */
    private static final class Consumer implements AutoCloseable {
        final KafkaConsumer<byte[], byte[]> kafka;

        Consumer(Properties props) throws TaskFailedException {
            try {
                kafka = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            } catch (KafkaException e) {
                throw new TaskFailedException("cannot create a Kafka consumer for "
                        + props.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + rootMessage(e));
            }
        }

        @Override
        public void close() {
            kafka.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private Properties properties(TaskContext ctx) throws TaskFailedException {
        Properties p = new Properties();
        cfg.map("consumer").forEach((k, v) -> p.put(k, String.valueOf(v)));
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // A batch read must neither commit offsets nor create the topic it was asked to read by mistyping its name.
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // Records of aborted transactions are not data; read_committed also bounds "latest" by the last stable offset.
        p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // Unique per attempt: two clients with one id clash over their JMX metrics.
        p.putIfAbsent(
                ConsumerConfig.CLIENT_ID_CONFIG, "sluice-" + ctx.dagId() + "-" + ctx.taskId() + "-" + ctx.attemptKey());
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(connectTimeout.toMillis()));
        return p;
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer) throws TaskFailedException {
        List<PartitionInfo> infos =
                call("looking up topic " + topic, () -> consumer.partitionsFor(topic, connectTimeout));
        if (infos == null || infos.isEmpty())
            throw new TaskFailedException("topic \"" + topic + "\" not found at " + bootstrap);
        List<Integer> all =
                infos.stream().map(PartitionInfo::partition).sorted().toList();
        List<Integer> wanted = all;
        if (cfg.raw("partitions") instanceof List<?> l) {
            wanted = new ArrayList<>();
            for (Object o : l) {
                int p = partition(o);
                if (!all.contains(p))
                    throw new TaskFailedException(
                            "partitions: topic " + topic + " has no partition " + p + " (it has " + all + ")");
                wanted.add(p);
            }
        }
        return wanted.stream().map(p -> new TopicPartition(topic, p)).toList();
    }

    /** [start, end) per partition from start_offsets and end_offsets, against the ends seen now. */
    private Map<TopicPartition, long[]> offsetBounds(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> tps)
            throws TaskFailedException {
        Map<TopicPartition, Long> earliest =
                call("reading the earliest offsets", () -> consumer.beginningOffsets(tps, connectTimeout));
        Map<TopicPartition, Long> latest =
                call("reading the end offsets", () -> consumer.endOffsets(tps, connectTimeout));
        Map<TopicPartition, long[]> bounds = new LinkedHashMap<>();
        for (TopicPartition tp : tps) {
            long first = earliest.get(tp);
            long end = latest.get(tp);
            String s = spec("start_offsets", tp.partition(), "earliest");
            long start = s.equals("earliest") ? first : s.equals("latest") ? end : Long.parseLong(s);
            if (start < first) {
                throw new TaskFailedException("start_offsets: partition " + tp.partition() + " starts at offset "
                        + first + " (older records are deleted), not " + start + ": use earliest or a later offset");
            }
            String e = spec("end_offsets", tp.partition(), "latest");
            long stop = e.equals("latest") ? end : Math.min(Long.parseLong(e), end);
            bounds.put(tp, new long[] {start, Math.max(start, stop)});
        }
        return bounds;
    }

    private record Window(Instant from, Instant to) {
        boolean contains(long timestampMs) {
            return (from == null || timestampMs >= from.toEpochMilli())
                    && (to == null || timestampMs < to.toEpochMilli());
        }
    }

    private Window window(TaskContext ctx) throws TaskFailedException {
        if ("logical_day".equals(cfg.str("window", null)))
            return new Window(ctx.logicalDate(), ctx.logicalDate().plus(Duration.ofDays(1)));
        if (!cfg.has("from") && !cfg.has("to")) return null;
        return new Window(cfg.has("from") ? utc(cfg.str("from")) : null, cfg.has("to") ? utc(cfg.str("to")) : null);
    }

    /** [start, end) per partition: the first offsets at or after from and to, capped by the ends seen now. */
    private Map<TopicPartition, long[]> timeBounds(
            KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> tps, Window w) throws TaskFailedException {
        Map<TopicPartition, Long> latest =
                call("reading the end offsets", () -> consumer.endOffsets(tps, connectTimeout));
        Map<TopicPartition, Long> earliest = w.from() == null
                ? call("reading the earliest offsets", () -> consumer.beginningOffsets(tps, connectTimeout))
                : null;
        Map<TopicPartition, OffsetAndTimestamp> atFrom = w.from() == null ? null : offsetsAt(consumer, tps, w.from());
        Map<TopicPartition, OffsetAndTimestamp> atTo = w.to() == null ? null : offsetsAt(consumer, tps, w.to());
        Map<TopicPartition, long[]> bounds = new LinkedHashMap<>();
        for (TopicPartition tp : tps) {
            long end = latest.get(tp);
            long start = earliest != null
                    ? earliest.get(tp)
                    : atFrom.get(tp) == null ? end : atFrom.get(tp).offset();
            long stop = atTo == null || atTo.get(tp) == null
                    ? end
                    : Math.min(atTo.get(tp).offset(), end);
            bounds.put(tp, new long[] {Math.min(start, end), Math.max(Math.min(start, end), stop)});
        }
        return bounds;
    }

    private Map<TopicPartition, OffsetAndTimestamp> offsetsAt(
            KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> tps, Instant t) throws TaskFailedException {
        Map<TopicPartition, Long> query = new LinkedHashMap<>();
        for (TopicPartition tp : tps) query.put(tp, t.toEpochMilli());
        return call("looking up offsets for " + t, () -> consumer.offsetsForTimes(query, connectTimeout));
    }

    /** Polls until every partition's position reaches its end; returns how many records fell outside the window. */
    private long readBatch(
            TaskContext ctx,
            KafkaConsumer<byte[], byte[]> consumer,
            Map<TopicPartition, long[]> bounds,
            Window window,
            Instant deadline,
            RecordSpool spool,
            String keyColumn,
            boolean text)
            throws Exception {
        List<TopicPartition> pending = new ArrayList<>();
        bounds.forEach((tp, b) -> {
            if (b[0] < b[1]) pending.add(tp);
        });
        if (pending.isEmpty()) return 0;
        consumer.assign(pending);
        for (TopicPartition tp : pending) consumer.seek(tp, bounds.get(tp)[0]);
        long outside = 0;
        while (!pending.isEmpty()) {
            if (ctx.isCancelled()) throw new TaskFailedException("cancelled while reading topic " + topic);
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                List<String> where = new ArrayList<>();
                for (TopicPartition tp : pending) {
                    where.add("partition " + tp.partition() + " at " + positionOrUnknown(consumer, tp) + " of "
                            + bounds.get(tp)[1]);
                }
                throw new TaskFailedException("read_timeout passed before the read of topic " + topic + " finished: "
                        + String.join(", ", where));
            }
            Duration poll = left.compareTo(POLL) < 0 ? left : POLL;
            ConsumerRecords<byte[], byte[]> batch = call("polling topic " + topic, () -> consumer.poll(poll));
            for (ConsumerRecord<byte[], byte[]> r : batch) {
                if (r.offset() >= bounds.get(new TopicPartition(r.topic(), r.partition()))[1]) continue;
                if (window != null && !window.contains(r.timestamp())) {
                    outside++;
                    continue;
                }
                add(spool, r, keyColumn, text);
            }
            for (Iterator<TopicPartition> it = pending.iterator(); it.hasNext(); ) {
                TopicPartition tp = it.next();
                // The position, not the last offset seen: transaction markers and compaction leave gaps before the end.
                if (call("reading the position", () -> consumer.position(tp, connectTimeout)) >= bounds.get(tp)[1]) {
                    consumer.pause(List.of(tp));
                    it.remove();
                }
            }
        }
        return outside;
    }

    /** For the timeout message: asking a broker that stopped answering must not hide why the read failed. */
    private static String positionOrUnknown(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp) {
        try {
            return Long.toString(consumer.position(tp, Duration.ofSeconds(1)));
        } catch (KafkaException e) {
            return "an unknown offset";
        }
    }

    private static void add(RecordSpool spool, ConsumerRecord<byte[], byte[]> r, String keyColumn, boolean text)
            throws Exception {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        String value = r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8);
        String time = r.timestamp() < 0 ? null : RecordSpool.timestamp(Instant.ofEpochMilli(r.timestamp()));
        Map<String, Object> meta = new LinkedHashMap<>();
        if (keyColumn != null) meta.put(keyColumn, key);
        if (text) meta.put("value", value);
        meta.put(PARTITION, r.partition());
        meta.put(OFFSET, r.offset());
        meta.put(TIMESTAMP, time);
        Map<String, Object> origin = new LinkedHashMap<>();
        origin.put("partition", r.partition());
        origin.put("offset", r.offset());
        origin.put(
                "timestamp",
                r.timestamp() < 0 ? null : Instant.ofEpochMilli(r.timestamp()).toString());
        origin.put("key", key);
        if (text) {
            spool.add(JSON.createObjectNode(), meta, origin, value);
            return;
        }
        if (r.value() == null) {
            spool.reject(origin, "no value (a tombstone)", null);
            return;
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(r.value());
        } catch (JsonProcessingException e) {
            spool.reject(origin, "not valid JSON: " + e.getOriginalMessage(), value);
            return;
        }
        spool.add(parsed, meta, origin, value);
    }

    /** Kafka's exceptions, turned into task failures that say what was being done and where. */
    private <T> T call(String what, Supplier<T> action) throws TaskFailedException {
        try {
            return action.get();
        } catch (TimeoutException e) {
            throw new TaskFailedException(what + ": no answer from Kafka at " + bootstrap + " within connect_timeout "
                    + Durations.format(connectTimeout) + " (is the broker up and reachable from this worker?)");
        } catch (KafkaException e) {
            throw new TaskFailedException(what + " at " + bootstrap + " failed: " + rootMessage(e));
        }
    }

    private String spec(String key, int partition, String fallback) {
        Object v = cfg.raw(key);
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet())
                if (partition(e.getKey()) == partition)
                    return e.getValue().toString().trim();
            return fallback;
        }
        return v == null ? fallback : v.toString().trim();
    }

    private static void checkOffsets(Map<String, Object> config, String key, List<String> words, List<String> errors) {
        Object v = config.get(key);
        if (v == null) return;
        if (v instanceof Map<?, ?> m) {
            m.forEach((p, o) -> {
                if (!Cfg.isTemplate(p) && partition(p) < 0)
                    errors.add(key + ": \"" + p + "\" is not a partition number");
                checkOffset(key + "." + p, o, words, errors);
            });
        } else {
            checkOffset(key, v, words, errors);
        }
    }

    private static void checkOffset(String key, Object v, List<String> words, List<String> errors) {
        if (Cfg.isTemplate(v) || words.contains(String.valueOf(v).trim())) return;
        try {
            if (Long.parseLong(String.valueOf(v).trim()) >= 0) return;
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.add(key + " must be " + String.join(", ", words) + " or an offset of 0 or more, got \"" + v + "\"");
    }

    private static Instant instant(Map<String, Object> config, String key, List<String> errors) {
        Object v = config.get(key);
        if (v == null || Cfg.isTemplate(v)) return null;
        try {
            return RecordSpool.utc(v.toString().trim()).toInstant(ZoneOffset.UTC);
        } catch (IllegalArgumentException e) {
            errors.add(key + ": " + e.getMessage());
            return null;
        }
    }

    private static Instant utc(String s) {
        return RecordSpool.utc(s.trim()).toInstant(ZoneOffset.UTC);
    }

    private static int partition(Object o) {
        try {
            int p = o instanceof Number n
                    ? n.intValue()
                    : Integer.parseInt(o.toString().trim());
            return p < 0 ? -1 : p;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + t.getMessage();
    }
}
