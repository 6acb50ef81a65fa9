package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ml.KafkaTestBroker;
import dev.sluice.ml.KinesisTestServer;
import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * source: kinesis against a real Kinesis-compatible server (kinesis-mock, {@link KinesisTestServer}) started once for
 * the test JVM. Arrival times are the server's clock, so windows are cut between records the test wrote at known
 * moments rather than at fixed dates. Each test has streams of its own.
 */
class KinesisSourceTest {
    private static final String S0 = "shardId-000000000000";
    private static final String S1 = "shardId-000000000001";

    private static KinesisTestServer server;

    @TempDir
    Path home;

    private final IngestTask ingest = new IngestTask();

    @BeforeAll
    static void startServer() throws Exception {
        server = KinesisTestServer.get();
        System.setProperty("SLUICE_SECRET_KINESIS_SOURCE_TEST_ID", "test-key-id");
        System.setProperty("SLUICE_SECRET_KINESIS_SOURCE_TEST_KEY", "test-secret");
    }

    @AfterAll
    static void clearSecrets() {
        System.clearProperty("SLUICE_SECRET_KINESIS_SOURCE_TEST_ID");
        System.clearProperty("SLUICE_SECRET_KINESIS_SOURCE_TEST_KEY");
    }

    private static String newStream(String prefix, int shards) {
        String name = prefix + "-" + Long.toHexString(System.nanoTime());
        server.createStream(name, shards);
        return name;
    }

    /** Writes {"id": id, ...extra} to the shard and returns its sequence number. */
    private static String put(String stream, String shard, int id) {
        return put(stream, shard, "key-" + id, "{\"id\": " + id + ", \"detail\": {\"n\": " + id + "}}");
    }

    private static String put(String stream, String shard, String key, String data) {
        return server.put(stream, shard, key, data.getBytes(StandardCharsets.UTF_8))
                .sequenceNumber();
    }

    private TestTaskContext.Builder kinesis(String stream) {
        return TestTaskContext.task("ingest")
                .home(home)
                .config("source", "kinesis")
                .config("stream", stream)
                .config("region", KinesisTestServer.REGION)
                .config("endpoint", server.endpoint())
                .config("access_key_id_secret", "KINESIS_SOURCE_TEST_ID")
                .config("secret_access_key_secret", "KINESIS_SOURCE_TEST_KEY")
                .config("connect_timeout", "5s");
    }

    private List<Map<String, Object>> rows(Map<String, Object> out) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(home, "256MB", 1)) {
            String rel = "(SELECT * FROM "
                    + DuckDb.parquet(LocalArtifactStore.inHome(home).localPath((String) out.get("dataset")))
                    + " ORDER BY _shard, length(_sequence_number), _sequence_number)";
            Rows.forEach(db, rel, rows::add);
        }
        return rows;
    }

    private List<Integer> ids(Map<String, Object> out) throws Exception {
        return rows(out).stream().map(r -> ((Double) r.get("id")).intValue()).toList();
    }

    /** The latest arrival time of the records now in the stream's shards, as the server stamped them. */
    private static Instant lastArrival(String stream, List<String> shards) {
        Instant last = Instant.EPOCH;
        try (KinesisClient c = server.client()) {
            for (String shard : shards) {
                String it = c.getShardIterator(b ->
                                b.streamName(stream).shardId(shard).shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                        .shardIterator();
                for (Record r : c.getRecords(b -> b.shardIterator(it)).records())
                    if (r.approximateArrivalTimestamp().isAfter(last)) last = r.approximateArrivalTimestamp();
            }
        }
        return last;
    }

    /** A moment after every record written so far and before any written from now on. */
    private static Instant cut(String stream, List<String> shards) {
        Instant cut = lastArrival(stream, shards).plusMillis(1);
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> Instant.now().isAfter(cut.plusMillis(1)));
        return cut;
    }

    @Test
    void reads_every_shard_up_to_the_snapshot_and_leaves_later_records_for_the_next_read() throws Exception {
        String stream = newStream("events", 2);
        String first = put(stream, S0, 0);
        put(stream, S0, 1);
        put(stream, S0, 2);
        put(stream, S1, 10);
        String last = put(stream, S1, 11);
        TestTaskContext inner = kinesis(stream).config("key_column", "key").build();
        // Once the source has logged its snapshot, a producer writes to both shards before the first GetRecords:
        // only the snapshot keeps these records out.
        TaskContext ctx = new ActingOnLogLine(inner, "snapshot of stream", () -> {
            put(stream, S0, 3);
            put(stream, S1, 12);
        });

        Map<String, Object> out = ingest.execute(ctx).output();

        assertThat(out).containsEntry("rows", 5L).containsEntry("bad_rows", 0L);
        assertThat(ids(out)).containsExactly(0, 1, 2, 10, 11);
        @SuppressWarnings("unchecked")
        Map<String, Object> columns = (Map<String, Object>) out.get("columns");
        assertThat(columns)
                .containsExactly(
                        Map.entry("id", "number"),
                        Map.entry("detail", "string"),
                        Map.entry("key", "string"),
                        Map.entry("_shard", "string"),
                        Map.entry("_sequence_number", "string"),
                        Map.entry("_timestamp", "timestamp"));
        Map<String, Object> row = rows(out).get(0);
        assertThat(row)
                .containsEntry("detail", "{\"n\":0}")
                .containsEntry("key", "key-0")
                .containsEntry("_shard", S0)
                .containsEntry("_sequence_number", first);
        assertThat(row.get("_timestamp")).isNotNull();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> shards = (Map<String, Map<String, Object>>) out.get("shards");
        assertThat(shards.get(S0)).containsEntry("records", 3L).containsEntry("first", first);
        assertThat(shards.get(S1)).containsEntry("records", 2L).containsEntry("last", last);

        Map<String, Object> next = ingest.execute(kinesis(stream).build()).output();
        assertThat(ids(next)).containsExactly(0, 1, 2, 3, 10, 11, 12);
    }

    @Test
    void a_time_window_reads_exactly_the_records_that_arrived_in_it_across_shards() throws Exception {
        String stream = newStream("timed", 2);
        List<String> both = List.of(S0, S1);
        put(stream, S0, 0);
        put(stream, S1, 10);
        Instant from = cut(stream, both);
        put(stream, S0, 1);
        put(stream, S0, 2);
        put(stream, S1, 11);
        Instant to = cut(stream, both);
        put(stream, S0, 3);
        put(stream, S1, 12);

        Map<String, Object> window = ingest.execute(kinesis(stream)
                        .config("from", from.toString())
                        .config("to", to.toString())
                        .build())
                .output();
        assertThat(ids(window)).containsExactly(1, 2, 11);

        // From the window's start to the snapshot: records written after it (in both shards) are not read.
        TaskContext ctx = new ActingOnLogLine(
                kinesis(stream).config("from", from.toString()).build(), "snapshot of stream", () -> {
                    put(stream, S0, 4);
                    put(stream, S1, 13);
                });
        Map<String, Object> open = ingest.execute(ctx).output();
        assertThat(ids(open)).containsExactly(1, 2, 3, 11, 12);

        Map<String, Object> upTo = ingest.execute(
                        kinesis(stream).config("to", from.toString()).build())
                .output();
        assertThat(ids(upTo)).containsExactly(0, 10);

        // A logical day long gone holds nothing: an empty dataset that still has the metadata columns.
        Map<String, Object> empty = ingest.execute(kinesis(stream)
                        .config("window", "logical_day")
                        .logicalDate(Instant.parse("2020-01-01T00:00:00Z"))
                        .build())
                .output();
        assertThat(empty).containsEntry("rows", 0L);
        assertThat(empty.get("columns"))
                .isEqualTo(Map.of("_shard", "string", "_sequence_number", "string", "_timestamp", "timestamp"));
    }

    @Test
    void start_sequence_numbers_read_from_that_record_inclusive() throws Exception {
        String stream = newStream("replay", 2);
        put(stream, S0, 0);
        String second = put(stream, S0, 1);
        put(stream, S0, 2);
        put(stream, S1, 10);
        String s1Last = put(stream, S1, 11);

        Map<String, Object> out = ingest.execute(kinesis(stream)
                        .config("start_sequence_numbers", Map.of(S0, second))
                        .build())
                .output();
        assertThat(ids(out)).containsExactly(1, 2, 10, 11);

        Map<String, Object> one = ingest.execute(kinesis(stream)
                        .config("shards", List.of(1))
                        .config("start_sequence_numbers", Map.of("1", s1Last))
                        .build())
                .output();
        assertThat(ids(one)).containsExactly(11);
        assertThat(one.get("shards")).isEqualTo(Map.of(S1, summary(1, s1Last, s1Last)));

        // By ARN, the region taken from it.
        String arn;
        try (KinesisClient c = server.client()) {
            arn = c.describeStreamSummary(b -> b.streamName(stream))
                    .streamDescriptionSummary()
                    .streamARN();
        }
        Map<String, Object> byArn =
                ingest.execute(kinesis(arn).config("region", null).build()).output();
        assertThat(ids(byArn)).containsExactly(0, 1, 2, 10, 11);

        Map<String, Object> latest = ingest.execute(kinesis(stream)
                        .config("start_sequence_numbers", "latest")
                        .build())
                .output();
        assertThat(latest).containsEntry("rows", 0L);
    }

    private static Map<String, Object> summary(long records, String first, String last) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("records", records);
        m.put("first", first);
        m.put("last", last);
        m.put("closed", false);
        return m;
    }

    @Test
    void a_split_shard_is_read_to_its_close_and_its_children_after_it() throws Exception {
        String stream = newStream("resharded", 1);
        put(stream, S0, 0);
        put(stream, S0, 1);
        Instant from = cut(stream, List.of(S0));
        put(stream, S0, 2);
        server.split(stream, S0);
        put(stream, S1, 10);
        put(stream, "shardId-000000000002", 20);
        put(stream, "shardId-000000000002", 21);

        Map<String, Object> all = ingest.execute(kinesis(stream).build()).output();
        assertThat(ids(all)).containsExactly(0, 1, 2, 10, 20, 21);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> shards = (Map<String, Map<String, Object>>) all.get("shards");
        assertThat(shards).containsOnlyKeys(S0, S1, "shardId-000000000002");
        assertThat(shards.get(S0)).containsEntry("closed", true).containsEntry("records", 3L);
        assertThat(shards.get(S1)).containsEntry("closed", false);

        // A window that starts before the split: the closed parent's late records and the children's.
        Map<String, Object> window = ingest.execute(
                        kinesis(stream).config("from", from.toString()).build())
                .output();
        assertThat(ids(window)).containsExactly(2, 10, 20, 21);
    }

    @Test
    void records_that_are_not_json_objects_fail_by_default_naming_shard_and_sequence_number() {
        String stream = dirty();
        assertThatThrownBy(() -> ingest.execute(kinesis(stream).build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("bad record at shard " + S0 + ", sequence_number ")
                .hasMessageContaining("partition_key b: not valid JSON")
                .hasMessageContaining("(bad_rows: fail)");
    }

    @Test
    void bad_records_are_skipped_and_counted_or_quarantined_with_where_they_were_and_their_data() throws Exception {
        String stream = dirty();
        Map<String, Object> columns = Map.of("id", "number", "amount", "number");

        Map<String, Object> skipped = ingest.execute(kinesis(stream)
                        .config("columns", columns)
                        .config("bad_rows", "skip")
                        .build())
                .output();
        assertThat(skipped)
                .containsEntry("rows", 2L)
                .containsEntry("bad_rows", 4L)
                .doesNotContainKey("quarantine");
        assertThat(rows(skipped)).extracting(r -> r.get("amount")).containsExactly(2.0, 7.5);

        Map<String, Object> out = ingest.execute(kinesis(stream)
                        .config("columns", columns)
                        .config("bad_rows", "quarantine")
                        .build())
                .output();
        assertThat(out).containsEntry("rows", 2L).containsEntry("bad_rows", 4L);
        List<String> lines =
                Files.readAllLines(LocalArtifactStore.inHome(home).localPath((String) out.get("quarantine")));
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0))
                .contains(
                        "\"shard\":\"" + S0 + "\"",
                        "\"sequence_number\":\"",
                        "\"partition_key\":\"b\"",
                        "not valid JSON",
                        "\"record\":\"not json at all\"");
        assertThat(lines.get(1)).contains("not a JSON object (an array)", "\"record\":\"[1, 2]\"");
        assertThat(lines.get(2)).contains("Kinesis Producer Library", "turn aggregation off");
        assertThat(lines.get(3)).contains("column amount: \\\"lots\\\" is not a number");

        // Without declared columns a string amount is not wrong: only the three records that are not objects are.
        Map<String, Object> inferred = ingest.execute(
                        kinesis(stream).config("bad_rows", "skip").build())
                .output();
        assertThat(inferred).containsEntry("rows", 3L).containsEntry("bad_rows", 3L);

        Map<String, Object> text =
                ingest.execute(kinesis(stream).config("format", "text").build()).output();
        assertThat(text).containsEntry("rows", 6L).containsEntry("bad_rows", 0L);
        assertThat(rows(text).get(1)).containsEntry("value", "not json at all");
    }

    private static String dirty() {
        String stream = newStream("dirty", 1);
        put(stream, S0, "a", "{\"id\": 1, \"amount\": 2}");
        put(stream, S0, "b", "not json at all");
        put(stream, S0, "c", "[1, 2]");
        server.put(stream, S0, "d", new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2, 1, 2, 3});
        put(stream, S0, "e", "{\"id\": 5, \"amount\": \"lots\"}");
        put(stream, S0, "f", "{\"id\": 6, \"amount\": 7.5}");
        return stream;
    }

    @Test
    void credentials_come_from_secrets_and_never_reach_the_log_the_output_or_an_error() throws Exception {
        String stream = newStream("secured", 1);
        put(stream, S0, 0);
        String keyId = "AKIATESTKINESIS" + Long.toHexString(System.nanoTime()).toUpperCase();
        String secretKey = "kinesis-secret-" + Long.toHexString(System.nanoTime());
        System.setProperty("SLUICE_SECRET_KINESIS_TEST_KEY_ID", keyId);
        System.setProperty("SLUICE_SECRET_KINESIS_TEST_SECRET_KEY", secretKey);
        try {
            TestTaskContext ctx = kinesis(stream)
                    .config("access_key_id_secret", "KINESIS_TEST_KEY_ID")
                    .config("secret_access_key_secret", "KINESIS_TEST_SECRET_KEY")
                    .build();
            Map<String, Object> out = ingest.execute(ctx).output();
            assertThat(ids(out)).containsExactly(0);
            assertThat(ctx.logText()).contains("snapshot of stream").doesNotContain(keyId, secretKey);
            assertThat(out.toString()).doesNotContain(keyId, secretKey);
            assertThat(ctx.config().toString()).doesNotContain(keyId, secretKey);

            TestTaskContext unreachable = TestTaskContext.task("ingest")
                    .home(home)
                    .config("source", "kinesis")
                    .config("stream", stream)
                    .config("region", KinesisTestServer.REGION)
                    .config("endpoint", "http://127.0.0.1:" + KafkaTestBroker.closedPort())
                    .config("access_key_id_secret", "KINESIS_TEST_KEY_ID")
                    .config("secret_access_key_secret", "KINESIS_TEST_SECRET_KEY")
                    .build();
            assertThatThrownBy(() -> ingest.execute(unreachable))
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(keyId, secretKey));
            assertThat(unreachable.logText()).doesNotContain(keyId, secretKey);
        } finally {
            System.clearProperty("SLUICE_SECRET_KINESIS_TEST_KEY_ID");
            System.clearProperty("SLUICE_SECRET_KINESIS_TEST_SECRET_KEY");
        }

        assertThatThrownBy(() -> ingest.execute(kinesis(stream)
                        .config("access_key_id_secret", "KINESIS_TEST_KEY_ID")
                        .config("secret_access_key_secret", "KINESIS_TEST_SECRET_KEY")
                        .build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessage("access_key_id_secret: secret KINESIS_TEST_KEY_ID is not set on this worker"
                        + " (SLUICE_SECRET_KINESIS_TEST_KEY_ID)");
    }

    @Test
    void an_unreachable_endpoint_fails_quickly_with_a_clear_message() throws Exception {
        String nowhere = "http://127.0.0.1:" + KafkaTestBroker.closedPort();
        var ctx = TestTaskContext.task("ingest")
                .home(home)
                .config("source", "kinesis")
                .config("stream", "clicks")
                .config("region", "eu-west-1")
                .config("endpoint", nowhere)
                .config("access_key_id_secret", "KINESIS_SOURCE_TEST_ID")
                .config("secret_access_key_secret", "KINESIS_SOURCE_TEST_KEY")
                .config("connect_timeout", "2s")
                .build();

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ingest.execute(ctx))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageStartingWith(
                        "listing the shards of stream clicks: cannot reach Kinesis at " + nowhere + " (")
                .hasMessageContaining("Connection refused")
                .hasMessageEndingWith("; is the endpoint right and reachable from this worker?)");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void a_missing_stream_or_shard_is_named() {
        assertThatThrownBy(() -> ingest.execute(kinesis("no-such-stream").build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageStartingWith(
                        "listing the shards of stream no-such-stream: not found at " + server.endpoint() + ": ");
        String stream = newStream("two", 2);
        assertThatThrownBy(() -> ingest.execute(
                        kinesis(stream).config("shards", List.of(0, 7)).build()))
                .hasMessage("shards: stream " + stream + " has no shard shardId-000000000007 (it has [" + S0 + ", " + S1
                        + "])");
        assertThatThrownBy(() -> ingest.execute(kinesis(stream)
                        .config("shards", List.of(0))
                        .config("start_sequence_numbers", Map.of(1, "5"))
                        .build()))
                .hasMessage("start_sequence_numbers: shard " + S1 + " is not read (shards: [" + S0 + "])");
    }

    @Test
    void validate_names_the_fields() {
        assertThat(ingest.validate(Map.of("source", "kinesis")))
                .containsExactly("stream is required with source kinesis");
        Map<String, Object> bad = new LinkedHashMap<>(Map.of("source", "kinesis", "stream", "s"));
        bad.put("shards", List.of("shard-one", 2));
        bad.put("start_sequence_numbers", Map.of("x", "first"));
        bad.put("from", "yesterday");
        bad.put("region", "Europe");
        bad.put("endpoint", "localhost:4567");
        bad.put("access_key_id_secret", "MY KEY");
        bad.put("session_token_secret", "TOKEN");
        bad.put("format", "avro");
        assertThat(ingest.validate(bad))
                .containsExactly(
                        "shards: \"shard-one\" is not a shard id (shardId-000000000001, or 1)",
                        "start_sequence_numbers: \"x\" is not a shard id (shardId-000000000001, or 1)",
                        "start_sequence_numbers.x must be earliest, latest or a sequence number (digits), got \"first\"",
                        "start_sequence_numbers and from/to/window are exclusive: bound the read by sequence numbers or by time",
                        "from: \"yesterday\" is not an ISO-8601 timestamp",
                        "format must be json or text, got \"avro\"",
                        "region must be an AWS region such as eu-west-1, got \"Europe\"",
                        "endpoint must be an absolute http or https URL",
                        "access_key_id_secret must be the name of a secret (letters, digits, _), not \"MY KEY\": the value is read from SLUICE_SECRET_<name> on the worker",
                        "access_key_id_secret and secret_access_key_secret go together: set both or neither");
        assertThat(ingest.validate(
                        Map.of("source", "kinesis", "stream", "s", "window", "logical_day", "to", "2026-11-26")))
                .containsExactly("window and from/to are exclusive: window: logical_day sets both");
        assertThat(ingest.validate(Map.of("stream", "s", "path", "x.csv")))
                .containsExactly("stream is for source kinesis: set source: kinesis");
        assertThat(ingest.validate(Map.of("source", "kinesis", "stream", "s", "path", "x.csv")))
                .containsExactly("path is not used by source kinesis");
    }
}
