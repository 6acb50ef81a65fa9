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
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * source: kinesis. Reads a Kinesis data stream as a bounded batch, like {@link KafkaSource} reads a topic: the
 * shards and the end of each are fixed when the read starts, so records written while it runs are left for the next
 * run. Reading needs no consumer application, lease table or checkpoint: GetShardIterator and GetRecords only.
 *
 * <p>Kinesis has no "end offset" to ask for. The end of each shard that is open at the start is a LATEST shard
 * iterator taken then (a probe): the first record it ever returns is the first record written after the snapshot,
 * and that record's sequence number is the shard's exclusive end. Until the probe has returned a record, a batch
 * the reader receives holds only older records, because asking the probe came after the batch existed. Batches
 * whose records arrived well before the snapshot skip the question (see {@link #CLOCK_SKEW}). Closed shards (the
 * parents of a split or merge) end where they were closed, and are read to that end.
 *
 * <p>Bounds are a start per shard ({@code start_sequence_numbers}, inclusive) or a time window [from, to) on the
 * records' arrival times: the start is an AT_TIMESTAMP iterator, and a shard's read stops at its first record that
 * arrived at or after {@code to}.
 */
final class KinesisSource {
    static final List<ConfigField> FIELDS = List.of(
            ConfigField.optional(
                    "stream", FieldType.STRING, null, "source kinesis: name or ARN of the data stream to read."),
            ConfigField.optional(
                    "shards",
                    FieldType.LIST,
                    null,
                    "source kinesis: shard ids to read (shardId-000000000001, or 1); default: every shard the stream has when the read starts, closed parents of a reshard included."),
            ConfigField.optional(
                    "start_sequence_numbers",
                    FieldType.ANY,
                    null,
                    "source kinesis: first record read, inclusive: earliest | latest | a sequence number, or a mapping shard: one of those; default earliest."),
            ConfigField.optional(
                    "region",
                    FieldType.STRING,
                    null,
                    "source kinesis: AWS region of the stream, e.g. eu-west-1; default: the stream ARN's, else the worker's (AWS_REGION)."),
            ConfigField.optional(
                    "endpoint",
                    FieldType.STRING,
                    null,
                    "source kinesis: URL of a Kinesis-compatible endpoint (a VPC endpoint, a local server); default: the region's."),
            ConfigField.optional(
                    "access_key_id_secret",
                    FieldType.STRING,
                    null,
                    "source kinesis: name of the Sluice secret (SLUICE_SECRET_<name> on the worker) holding the AWS access key id; default: the worker's AWS credentials chain."),
            ConfigField.optional(
                    "secret_access_key_secret",
                    FieldType.STRING,
                    null,
                    "source kinesis: name of the Sluice secret holding the AWS secret access key."),
            ConfigField.optional(
                    "session_token_secret",
                    FieldType.STRING,
                    null,
                    "source kinesis: name of the Sluice secret holding an AWS session token, for temporary credentials."));

    /** Columns every row gets, after the record's fields. */
    static final String SHARD = "_shard";

    static final String SEQUENCE_NUMBER = "_sequence_number";
    static final String TIMESTAMP = "_timestamp";

    /**
     * How far the worker's clock may be from the service's before a record that arrived this long before the
     * snapshot could have been written after it. Signed requests already fail beyond 5 minutes of skew.
     */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(15);

    /** Shard iterators expire after 5 minutes; a probe not asked for this long is renewed by asking it. */
    private static final Duration PROBE_RENEWAL = Duration.ofMinutes(4);

    /** A throttled probe is asked again until shortly before it would expire: then its position is lost. */
    private static final Duration PROBE_PATIENCE = Duration.ofSeconds(280);

    private static final Duration THROTTLE_WAIT = Duration.ofSeconds(1);
    private static final int BATCH = 10_000;
    private static final Pattern SHARD_ID = Pattern.compile("shardId-\\d{12}");
    private static final Pattern SECRET_NAME = Pattern.compile("[A-Za-z0-9_]+");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");
    private static final List<String> WORDS = List.of("earliest", "latest");

    /** The first bytes of a record the Kinesis Producer Library aggregated (many user records in one). */
    private static final byte[] KPL_MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Cfg cfg;
    private final String stream;

    KinesisSource(Cfg cfg) throws TaskFailedException {
        this.cfg = cfg;
        this.stream = cfg.str("stream");
    }

    static List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>();
        if (config.get("stream") == null || config.get("stream").toString().isBlank())
            errors.add("stream is required with source kinesis");
        if (config.get("shards") instanceof List<?> l) {
            if (l.isEmpty()) errors.add("shards must list at least one shard; leave it out to read them all");
            for (Object s : l)
                if (!Cfg.isTemplate(s) && shardId(s) == null)
                    errors.add("shards: \"" + s + "\" is not a shard id (shardId-000000000001, or 1)");
        } else if (config.get("shards") != null) {
            errors.add("shards must be a list of shard ids");
        }
        Object start = config.get("start_sequence_numbers");
        if (start instanceof Map<?, ?> m) {
            m.forEach((s, v) -> {
                if (!Cfg.isTemplate(s) && shardId(s) == null)
                    errors.add("start_sequence_numbers: \"" + s + "\" is not a shard id (shardId-000000000001, or 1)");
                checkStart("start_sequence_numbers." + s, v, errors);
            });
        } else if (start != null) {
            checkStart("start_sequence_numbers", start, errors);
        }
        boolean byTime = config.get("from") != null || config.get("to") != null || config.get("window") != null;
        if (start != null && byTime)
            errors.add(
                    "start_sequence_numbers and from/to/window are exclusive: bound the read by sequence numbers or by time");
        Object window = config.get("window");
        if (window != null && !Cfg.isTemplate(window) && !window.equals("logical_day"))
            errors.add("window must be logical_day, got \"" + window + "\"");
        if (window != null && (config.get("from") != null || config.get("to") != null))
            errors.add("window and from/to are exclusive: window: logical_day sets both");
        Instant from = instant(config, "from", errors);
        Instant to = instant(config, "to", errors);
        if (from != null && to != null && !from.isBefore(to)) errors.add("from must be before to");
        Object format = config.getOrDefault("format", "json");
        if (!Cfg.isTemplate(format) && !List.of("json", "text").contains(format))
            errors.add("format must be json or text, got \"" + format + "\"");
        if ("text".equals(format) && config.get("columns") != null)
            errors.add("columns: a text record has no fields to declare; it is column value");
        Object region = config.get("region");
        if (region != null
                && !Cfg.isTemplate(region)
                && !REGION.matcher(region.toString()).matches())
            errors.add("region must be an AWS region such as eu-west-1, got \"" + region + "\"");
        Object endpoint = config.get("endpoint");
        if (endpoint != null && !Cfg.isTemplate(endpoint)) {
            try {
                URI u = new URI(endpoint.toString());
                if (!List.of("http", "https").contains(String.valueOf(u.getScheme())) || u.getHost() == null)
                    errors.add("endpoint must be an absolute http or https URL");
            } catch (URISyntaxException e) {
                errors.add("endpoint is not a valid URL: " + e.getReason());
            }
        }
        for (String k : List.of("access_key_id_secret", "secret_access_key_secret", "session_token_secret")) {
            Object v = config.get(k);
            if (v != null
                    && !Cfg.isTemplate(v)
                    && !SECRET_NAME.matcher(v.toString()).matches())
                errors.add(k + " must be the name of a secret (letters, digits, _), not \"" + v
                        + "\": the value is read from SLUICE_SECRET_<name> on the worker");
        }
        boolean id = config.get("access_key_id_secret") != null;
        boolean key = config.get("secret_access_key_secret") != null;
        if (id != key) errors.add("access_key_id_secret and secret_access_key_secret go together: set both or neither");
        if (config.get("session_token_secret") != null && !id)
            errors.add("session_token_secret needs access_key_id_secret and secret_access_key_secret");
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
        meta.put(SHARD, "VARCHAR");
        // Up to 128 bits as decimal text: no integer column holds them, and equal lengths sort as numbers.
        meta.put(SEQUENCE_NUMBER, "VARCHAR");
        meta.put(TIMESTAMP, "TIMESTAMP");
        Instant deadline = Instant.now().plus(Durations.parse(cfg.str("read_timeout")));
        Window window = window(ctx);
        try (RecordSpool spool = new RecordSpool(ctx, task, cfg, meta);
                KinesisStream client = new KinesisStream(cfg)) {
            List<ShardRead> reads = snapshot(client, window);
            ctx.log()
                    .printf(
                            "snapshot of stream %s taken: reading %d shard(s) %s%s%n",
                            stream,
                            reads.size(),
                            reads.stream().map(ShardRead::describe).toList(),
                            window == null ? "" : " in the window " + window);
            long outside = readShards(ctx, client, reads, window, deadline, spool, keyColumn, text);
            long bad = spool.finish(db, output);
            Map<String, Object> shards = new LinkedHashMap<>();
            for (ShardRead r : reads) shards.put(r.id, r.summary());
            output.put("shards", shards);
            ctx.log()
                    .printf(
                            "read %d records (%d bad%s) from stream %s%n",
                            spool.good(), bad, window == null ? "" : ", " + outside + " outside the window", stream);
            return bad;
        }
    }

    private record Window(Instant from, Instant to) {
        boolean contains(Instant t) {
            return (from == null || !t.isBefore(from)) && (to == null || t.isBefore(to));
        }

        @Override
        public String toString() {
            return "[" + (from == null ? "earliest" : from) + ", " + (to == null ? "snapshot" : to) + ")";
        }
    }

    private Window window(TaskContext ctx) throws TaskFailedException {
        if ("logical_day".equals(cfg.str("window", null)))
            return new Window(ctx.logicalDate(), ctx.logicalDate().plus(Duration.ofDays(1)));
        if (!cfg.has("from") && !cfg.has("to")) return null;
        return new Window(cfg.has("from") ? utc(cfg.str("from")) : null, cfg.has("to") ? utc(cfg.str("to")) : null);
    }

    /**
     * The shards to read and where each starts and ends, fixed now: a shard created after this (by a reshard while
     * the read runs) holds only records written after the snapshot, and open shards get their end probe.
     */
    private List<ShardRead> snapshot(KinesisStream client, Window window) throws Exception {
        List<Shard> all = client.shards();
        Map<String, Shard> byId = new LinkedHashMap<>();
        for (Shard s : all) byId.put(s.shardId(), s);
        List<String> wanted = new ArrayList<>(byId.keySet());
        if (cfg.raw("shards") instanceof List<?> l) {
            wanted = new ArrayList<>();
            for (Object o : l) {
                String id = shardId(o);
                if (!byId.containsKey(id))
                    throw new TaskFailedException(
                            "shards: stream " + stream + " has no shard " + id + " (it has " + byId.keySet() + ")");
                if (!wanted.contains(id)) wanted.add(id);
            }
        }
        Map<String, String> starts = starts(byId.keySet(), wanted);
        Instant snapshotAt = Instant.now();
        List<ShardRead> reads = new ArrayList<>();
        for (String id : wanted) {
            Shard s = byId.get(id);
            boolean closed =
                    s.sequenceNumberRange() != null && s.sequenceNumberRange().endingSequenceNumber() != null;
            String start = starts.getOrDefault(id, "earliest");
            ShardRead r = new ShardRead(id, closed, start, snapshotAt);
            if (start.equals("latest")) {
                r.done = true; // nothing was written between the snapshot and itself
            } else {
                r.iterator = startIterator(client, id, start, window);
                if (!closed) {
                    r.probe =
                            client.iterator(id, ShardIteratorType.LATEST, null, null, "marking the end of shard " + id);
                    r.probeAskedAt = Instant.now();
                }
            }
            reads.add(r);
        }
        return reads;
    }

    /** start_sequence_numbers per shard read; a shard named there must exist and be read. */
    private Map<String, String> starts(Set<String> existing, List<String> wanted) throws TaskFailedException {
        Map<String, String> out = new LinkedHashMap<>();
        Object v = cfg.raw("start_sequence_numbers");
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String id = shardId(e.getKey());
                if (!existing.contains(id))
                    throw new TaskFailedException("start_sequence_numbers: stream " + stream + " has no shard " + id
                            + " (it has " + existing + ")");
                if (!wanted.contains(id))
                    throw new TaskFailedException(
                            "start_sequence_numbers: shard " + id + " is not read (shards: " + wanted + ")");
                out.put(id, e.getValue().toString().trim());
            }
        } else if (v != null) {
            for (String id : wanted) out.put(id, v.toString().trim());
        }
        return out;
    }

    /** Where the shard's read starts: the window's start, else its start_sequence_numbers (earliest by default). */
    private static String startIterator(KinesisStream client, String shard, String start, Window window)
            throws TaskFailedException {
        String what = "starting shard " + shard;
        if (window != null && window.from() != null)
            return client.iterator(shard, ShardIteratorType.AT_TIMESTAMP, null, window.from(), what);
        if (start.equals("earliest")) return client.iterator(shard, ShardIteratorType.TRIM_HORIZON, null, null, what);
        return client.iterator(shard, ShardIteratorType.AT_SEQUENCE_NUMBER, start, null, what + " at " + start);
    }

    /** One shard's read: where it is, and what bounds it. */
    private static final class ShardRead {
        final String id;
        final boolean closed;
        final String start;
        final Instant snapshotAt;
        String iterator;
        /** The LATEST iterator taken at the snapshot, until it names the end or the shard is done. */
        String probe;

        Instant probeAskedAt;
        /** The first sequence number written after the snapshot, once known: the exclusive end. */
        BigInteger end;
        /** The probe found no record after the snapshot and the shard has closed: read it to its end. */
        boolean endless;

        /** The last sequence number read (taken or not): where an expired iterator resumes. */
        String position;

        String first;
        String last;
        long records;
        boolean done;

        ShardRead(String id, boolean closed, String start, Instant snapshotAt) {
            this.id = id;
            this.closed = closed;
            this.start = start;
            this.snapshotAt = snapshotAt;
        }

        boolean endKnown() {
            return closed || endless || end != null;
        }

        String describe() {
            return id + (closed ? " (closed)" : "") + (start.equals("earliest") ? "" : " from " + start);
        }

        Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("records", records);
            m.put("first", first);
            m.put("last", last);
            m.put("closed", closed);
            return m;
        }
    }

    /** GetRecords on every shard in turn until each is done; returns how many records fell outside the window. */
    private long readShards(
            TaskContext ctx,
            KinesisStream client,
            List<ShardRead> reads,
            Window window,
            Instant deadline,
            RecordSpool spool,
            String keyColumn,
            boolean text)
            throws Exception {
        long outside = 0;
        while (reads.stream().anyMatch(r -> !r.done)) {
            if (ctx.isCancelled()) throw new TaskFailedException("cancelled while reading stream " + stream);
            if (!Instant.now().isBefore(deadline)) {
                List<String> unfinished = new ArrayList<>();
                for (ShardRead r : reads)
                    if (!r.done)
                        unfinished.add(
                                "shard " + r.id + (r.position == null ? " (nothing read yet)" : " at " + r.position));
                throw new TaskFailedException("read_timeout passed before the read of stream " + stream + " finished: "
                        + String.join(", ", unfinished));
            }
            for (ShardRead r : reads) {
                if (r.done) continue;
                renewStaleProbes(client, reads);
                GetRecordsResponse batch = getRecords(client, r, window);
                if (batch == null) continue; // throttled or the iterator expired: try again next round
                List<Record> records = batch.records();
                if (!records.isEmpty() && !r.endKnown()) {
                    Instant lastArrival = records.getLast().approximateArrivalTimestamp();
                    if (lastArrival == null || !lastArrival.isBefore(r.snapshotAt.minus(CLOCK_SKEW)))
                        askProbe(client, r);
                }
                for (Record rec : records) {
                    if (r.end != null && new BigInteger(rec.sequenceNumber()).compareTo(r.end) >= 0) {
                        r.done = true; // written after the snapshot
                        break;
                    }
                    Instant arrived = rec.approximateArrivalTimestamp();
                    if (window != null && window.to() != null && arrived != null && !arrived.isBefore(window.to())) {
                        outside++;
                        r.done = true; // the window's end: later records arrived later still
                        break;
                    }
                    r.position = rec.sequenceNumber();
                    if (window != null && arrived != null && !window.contains(arrived)) {
                        outside++;
                        continue;
                    }
                    if (r.first == null) r.first = rec.sequenceNumber();
                    r.last = rec.sequenceNumber();
                    r.records++;
                    add(spool, r.id, rec, keyColumn, text);
                }
                r.iterator = batch.nextShardIterator();
                Long behind = batch.millisBehindLatest();
                // A closed shard ends with no next iterator; an open one is done when a read comes back empty at the
                // tip: every record written before the snapshot has been returned by then.
                if (r.iterator == null || (records.isEmpty() && (behind == null || behind == 0))) r.done = true;
            }
        }
        return outside;
    }

    /**
     * Asks the probe whether a record was written after the snapshot; its first record's sequence number is the
     * end. An empty answer means every record read so far, which existed before this call, is older than the end.
     */
    private void askProbe(KinesisStream client, ShardRead r) throws Exception {
        GetRecordsResponse answer = null;
        while (answer == null) {
            try {
                answer = client.records(r.probe, 1, "looking for the end of shard " + r.id);
            } catch (KinesisStream.Throttled e) {
                // Waiting longer would let the probe expire (5 minutes after it was last asked) and lose the end.
                if (Instant.now().isAfter(r.probeAskedAt.plus(PROBE_PATIENCE)))
                    throw new TaskFailedException("the end of shard " + r.id + " of stream " + stream
                            + " could not be found: its read throughput stayed exceeded for minutes (other consumers"
                            + " of the shard?); run the task again");
                Thread.sleep(THROTTLE_WAIT.toMillis());
            } catch (KinesisStream.Expired e) {
                // Its position cannot be found again: stop rather than take records that may be newer than the end.
                throw new TaskFailedException("the end of shard " + r.id + " of stream " + stream
                        + " was lost: its iterator expired (not asked for 5 minutes); run the task again");
            }
        }
        r.probeAskedAt = Instant.now();
        if (!answer.records().isEmpty()) {
            r.end = new BigInteger(answer.records().getFirst().sequenceNumber());
            r.probe = null;
        } else if (answer.nextShardIterator() == null) {
            r.endless = true; // closed since the snapshot, with nothing written after it
            r.probe = null;
        } else {
            r.probe = answer.nextShardIterator();
        }
    }

    /** Shard iterators expire after 5 minutes: asking a probe renews it (and may find its end). */
    private void renewStaleProbes(KinesisStream client, List<ShardRead> reads) throws Exception {
        Instant stale = Instant.now().minus(PROBE_RENEWAL);
        for (ShardRead r : reads) if (!r.done && r.probe != null && r.probeAskedAt.isBefore(stale)) askProbe(client, r);
    }

    /**
     * One GetRecords call on the shard's reading iterator; null when the shard's throughput is exceeded (after the
     * SDK's own retries: wait, and let the caller come back) or the iterator expired (renewed after the last record
     * read).
     */
    private static GetRecordsResponse getRecords(KinesisStream client, ShardRead r, Window window) throws Exception {
        try {
            return client.records(r.iterator, BATCH, "reading shard " + r.id);
        } catch (KinesisStream.Throttled e) {
            Thread.sleep(THROTTLE_WAIT.toMillis());
            return null;
        } catch (KinesisStream.Expired e) {
            r.iterator = r.position == null
                    ? startIterator(client, r.id, r.start, window)
                    : client.iterator(
                            r.id, ShardIteratorType.AFTER_SEQUENCE_NUMBER, r.position, null, "resuming shard " + r.id);
            return null;
        }
    }

    private static void add(RecordSpool spool, String shard, Record r, String keyColumn, boolean text)
            throws Exception {
        byte[] data = r.data() == null ? new byte[0] : r.data().asByteArray();
        String value = new String(data, StandardCharsets.UTF_8);
        Instant arrived = r.approximateArrivalTimestamp();
        Map<String, Object> meta = new LinkedHashMap<>();
        if (keyColumn != null) meta.put(keyColumn, r.partitionKey());
        if (text) meta.put("value", value);
        meta.put(SHARD, shard);
        meta.put(SEQUENCE_NUMBER, r.sequenceNumber());
        meta.put(TIMESTAMP, arrived == null ? null : RecordSpool.timestamp(arrived));
        Map<String, Object> origin = new LinkedHashMap<>();
        origin.put("shard", shard);
        origin.put("sequence_number", r.sequenceNumber());
        origin.put("timestamp", arrived == null ? null : arrived.toString());
        origin.put("partition_key", r.partitionKey());
        if (text) {
            spool.add(JSON.createObjectNode(), meta, origin, value);
            return;
        }
        if (startsWith(data, KPL_MAGIC)) {
            spool.reject(
                    origin,
                    "an aggregated record of the Kinesis Producer Library, which this source does not unpack"
                            + " (turn aggregation off in the producer)",
                    java.util.Base64.getEncoder().encodeToString(data));
            return;
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(data);
        } catch (JsonProcessingException e) {
            spool.reject(origin, "not valid JSON: " + e.getOriginalMessage(), value);
            return;
        }
        if (parsed == null || parsed.isMissingNode()) {
            spool.reject(origin, "empty data", value);
            return;
        }
        spool.add(parsed, meta, origin, value);
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (data[i] != prefix[i]) return false;
        return true;
    }

    private static void checkStart(String key, Object v, List<String> errors) {
        if (Cfg.isTemplate(v) || WORDS.contains(String.valueOf(v).trim())) return;
        if (String.valueOf(v).trim().matches("\\d{1,128}")) return;
        errors.add(key + " must be earliest, latest or a sequence number (digits), got \"" + v + "\"");
    }

    /** shardId-000000000001 as given, or the shard's number: 1 and "1" are shardId-000000000001. */
    static String shardId(Object o) {
        if (o == null) return null;
        String s = o.toString().trim();
        if (SHARD_ID.matcher(s).matches()) return s;
        if (o instanceof Number n) {
            if (n.doubleValue() != n.longValue()) return null;
            s = Long.toString(n.longValue());
        }
        if (!s.matches("\\d{1,12}")) return null;
        return "shardId-" + "0".repeat(12 - s.length()) + s;
    }

    private static Instant instant(Map<String, Object> config, String key, List<String> errors) {
        Object v = config.get(key);
        if (v == null || Cfg.isTemplate(v)) return null;
        try {
            return utc(v.toString());
        } catch (IllegalArgumentException e) {
            errors.add(key + ": " + e.getMessage());
            return null;
        }
    }

    private static Instant utc(String s) {
        return RecordSpool.utc(s.trim()).toInstant(ZoneOffset.UTC);
    }
}
