package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ml.KafkaTestBroker;
import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * source: kafka against a real KRaft broker started once for the class. Topic {@code events} has 3 partitions of 4
 * records each; record i of partition p has id 10p + i and the timestamp {@code TIMES[i]}, so the test's logical day
 * 2026-11-26 holds records 1 and 2 of each partition (record 3 sits exactly on the day's exclusive end).
 */
class KafkaSourceTest {
    private static final Instant[] TIMES = {
        Instant.parse("2026-11-25T23:00:00Z"), Instant.parse("2026-11-26T01:00:00Z"),
        Instant.parse("2026-11-26T12:00:00Z"), Instant.parse("2026-11-27T00:00:00Z")
    };

    private static KafkaTestBroker broker;
    private static KafkaProducer<String, String> producer;

    @TempDir
    Path home;

    private final IngestTask ingest = new IngestTask();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaTestBroker.start();
        producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", broker.bootstrapServers(), "linger.ms", 0),
                new StringSerializer(),
                new StringSerializer());
        broker.createTopic("events", 3);
        for (int p = 0; p < 3; p++) {
            for (int i = 0; i < 4; i++) {
                int id = 10 * p + i;
                send(
                        "events",
                        p,
                        TIMES[i],
                        "key-" + id,
                        "{\"id\": " + id + ", \"kind\": \"k" + i + "\", \"amount\": " + (i * 1.5)
                                + ", \"detail\": {\"n\": " + i + "}}");
            }
        }
        broker.createTopic("dirty", 1);
        send("dirty", 0, TIMES[1], "a", "{\"id\": 1, \"amount\": 2}");
        send("dirty", 0, TIMES[1], "b", "not json at all");
        send("dirty", 0, TIMES[1], "c", "[1, 2]");
        send("dirty", 0, TIMES[1], "d", null);
        send("dirty", 0, TIMES[1], "e", "{\"id\": 5, \"amount\": \"lots\"}");
        send("dirty", 0, TIMES[1], "f", "{\"id\": 6, \"amount\": 7.5}");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (producer != null) producer.close();
        if (broker != null) broker.close();
    }

    private static void send(String topic, int partition, Instant time, String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, partition, time.toEpochMilli(), key, value))
                .get();
    }

    private TestTaskContext.Builder kafka(String topic) {
        return TestTaskContext.task("ingest")
                .home(home)
                .config("source", "kafka")
                .config("bootstrap_servers", broker.bootstrapServers())
                .config("topic", topic);
    }

    private List<Map<String, Object>> rows(Map<String, Object> out) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (DuckDb db = DuckDb.open(home, "256MB", 1)) {
            String rel = "(SELECT * FROM "
                    + DuckDb.parquet(LocalArtifactStore.inHome(home).localPath((String) out.get("dataset")))
                    + " ORDER BY _partition, _offset)";
            Rows.forEach(db, rel, rows::add);
        }
        return rows;
    }

    /** "partition:offset" of each row, in order. */
    private List<String> positions(Map<String, Object> out) throws Exception {
        return rows(out).stream()
                .map(r -> ((Double) r.get("_partition")).intValue() + ":" + ((Double) r.get("_offset")).longValue())
                .toList();
    }

    @Test
    void reads_every_partition_from_earliest_to_the_end_with_key_and_metadata_columns() throws Exception {
        Map<String, Object> out = ingest.execute(
                        kafka("events").config("key_column", "key").build())
                .output();

        assertThat(out).containsEntry("rows", 12L).containsEntry("bad_rows", 0L);
        assertThat(out.get("offsets"))
                .isEqualTo(Map.of(
                        "0",
                        Map.of("start", 0L, "end", 4L),
                        "1",
                        Map.of("start", 0L, "end", 4L),
                        "2",
                        Map.of("start", 0L, "end", 4L)));
        @SuppressWarnings("unchecked")
        Map<String, Object> columns = (Map<String, Object>) out.get("columns");
        assertThat(columns)
                .containsExactly(
                        Map.entry("id", "number"),
                        Map.entry("kind", "string"),
                        Map.entry("amount", "number"),
                        Map.entry("detail", "string"),
                        Map.entry("key", "string"),
                        Map.entry("_partition", "number"),
                        Map.entry("_offset", "number"),
                        Map.entry("_timestamp", "timestamp"));
        Map<String, Object> row = rows(out).get(6); // partition 1, offset 2
        assertThat(row)
                .containsEntry("id", 12.0)
                .containsEntry("kind", "k2")
                .containsEntry("amount", 3.0)
                .containsEntry("detail", "{\"n\":2}")
                .containsEntry("key", "key-12")
                .containsEntry("_partition", 1.0)
                .containsEntry("_offset", 2.0)
                .containsEntry("_timestamp", LocalDateTime.parse("2026-11-26T12:00:00"));
    }

    @Test
    void offset_bounds_read_exactly_the_records_from_start_inclusive_to_end_exclusive() throws Exception {
        Map<String, Object> out = ingest.execute(kafka("events")
                        .config("partitions", List.of(0, 2))
                        .config("start_offsets", Map.of(0, 1))
                        .config("end_offsets", Map.of("0", 3, "2", 2))
                        .build())
                .output();

        assertThat(positions(out)).containsExactly("0:1", "0:2", "2:0", "2:1");
        assertThat(rows(out)).extracting(r -> r.get("id")).containsExactly(1.0, 2.0, 20.0, 21.0);

        Map<String, Object> latest = ingest.execute(
                        kafka("events").config("start_offsets", "latest").build())
                .output();
        assertThat(latest).containsEntry("rows", 0L);
        assertThat(positions(latest)).isEmpty();
    }

    @Test
    void the_logical_day_window_reads_exactly_the_records_timestamped_in_that_day() throws Exception {
        Map<String, Object> out = ingest.execute(
                        kafka("events").config("window", "logical_day").build())
                .output();

        assertThat(positions(out)).containsExactly("0:1", "0:2", "1:1", "1:2", "2:1", "2:2");
        assertThat(out.get("offsets"))
                .isEqualTo(Map.of(
                        "0",
                        Map.of("start", 1L, "end", 3L),
                        "1",
                        Map.of("start", 1L, "end", 3L),
                        "2",
                        Map.of("start", 1L, "end", 3L)));

        Map<String, Object> window = ingest.execute(kafka("events")
                        .config("from", "2026-11-26T13:00:00+01:00")
                        .config("to", "2026-11-27T00:00:01Z")
                        .build())
                .output();
        assertThat(positions(window)).containsExactly("0:2", "0:3", "1:2", "1:3", "2:2", "2:3");

        // A day without records is an empty dataset that still has the metadata columns, not a failure.
        Map<String, Object> empty = ingest.execute(kafka("events")
                        .config("window", "logical_day")
                        .logicalDate(Instant.parse("2026-12-01T00:00:00Z"))
                        .build())
                .output();
        assertThat(empty).containsEntry("rows", 0L);
        assertThat(empty.get("columns"))
                .isEqualTo(Map.of("_partition", "number", "_offset", "number", "_timestamp", "timestamp"));
    }

    @Test
    void records_produced_after_the_snapshot_are_left_for_the_next_read() throws Exception {
        broker.createTopic("growing", 2);
        for (int i = 0; i < 3; i++) send("growing", i % 2, TIMES[1], "k" + i, "{\"n\": " + i + "}");
        TestTaskContext inner = kafka("growing").build();
        // Once the source has taken its snapshot, a producer keeps writing: these records are in the topic,
        // acknowledged,
        // before the first poll, so only the snapshot keeps them out.
        TaskContext ctx = new ActingOnLogLine(inner, "snapshot of topic", () -> {
            for (int i = 3; i < 7; i++) send("growing", i % 2, TIMES[1], "k" + i, "{\"n\": " + i + "}");
        });

        Map<String, Object> first = ingest.execute(ctx).output();
        assertThat(first).containsEntry("rows", 3L);
        assertThat(rows(first)).extracting(r -> r.get("n")).containsExactlyInAnyOrder(0.0, 1.0, 2.0);

        Map<String, Object> next = ingest.execute(kafka("growing").build()).output();
        assertThat(next).containsEntry("rows", 7L);
    }

    @Test
    void values_that_are_not_json_objects_fail_by_default_naming_partition_and_offset() {
        assertThatThrownBy(() -> ingest.execute(kafka("dirty").build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("bad record at partition 0, offset 1")
                .hasMessageContaining("key b: not valid JSON")
                .hasMessageContaining("(bad_rows: fail)");
    }

    @Test
    void bad_values_are_skipped_and_counted_or_quarantined_with_partition_offset_and_raw_value() throws Exception {
        Map<String, Object> columns = Map.of("id", "number", "amount", "number");

        Map<String, Object> skipped = ingest.execute(kafka("dirty")
                        .config("columns", columns)
                        .config("bad_rows", "skip")
                        .build())
                .output();
        assertThat(skipped)
                .containsEntry("rows", 2L)
                .containsEntry("bad_rows", 4L)
                .doesNotContainKey("quarantine");
        assertThat(rows(skipped)).extracting(r -> r.get("amount")).containsExactly(2.0, 7.5);

        Map<String, Object> out = ingest.execute(kafka("dirty")
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
                        "\"partition\":0",
                        "\"offset\":1",
                        "\"key\":\"b\"",
                        "not valid JSON",
                        "\"record\":\"not json at all\"");
        assertThat(lines.get(1)).contains("\"offset\":2", "not a JSON object (an array)", "\"record\":\"[1, 2]\"");
        assertThat(lines.get(2)).contains("\"offset\":3", "no value (a tombstone)", "\"record\":null");
        assertThat(lines.get(3)).contains("\"offset\":4", "column amount: \\\"lots\\\" is not a number");

        // Without declared columns a string amount is not wrong: only the three values that are not objects are bad.
        Map<String, Object> inferred = ingest.execute(
                        kafka("dirty").config("bad_rows", "skip").build())
                .output();
        assertThat(inferred).containsEntry("rows", 3L).containsEntry("bad_rows", 3L);
    }

    @Test
    void text_values_are_kept_whole_in_a_value_column() throws Exception {
        Map<String, Object> out =
                ingest.execute(kafka("dirty").config("format", "text").build()).output();

        assertThat(out).containsEntry("rows", 6L).containsEntry("bad_rows", 0L);
        assertThat(rows(out))
                .extracting(r -> r.get("value"))
                .containsExactly(
                        "{\"id\": 1, \"amount\": 2}",
                        "not json at all",
                        "[1, 2]",
                        null,
                        "{\"id\": 5, \"amount\": \"lots\"}",
                        "{\"id\": 6, \"amount\": 7.5}");
    }

    @Test
    void an_unreachable_broker_fails_within_the_connect_timeout_with_a_clear_message() throws Exception {
        String nowhere = "127.0.0.1:" + KafkaTestBroker.closedPort();
        var ctx = TestTaskContext.task("ingest")
                .home(home)
                .config("source", "kafka")
                .config("bootstrap_servers", nowhere)
                .config("topic", "events")
                .config("connect_timeout", "2s")
                .build();

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ingest.execute(ctx))
                .isInstanceOf(TaskFailedException.class)
                .hasMessage("looking up topic events: no answer from Kafka at " + nowhere
                        + " within connect_timeout 2s (is the broker up and reachable from this worker?)");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void a_read_that_outlasts_read_timeout_fails_naming_the_unfinished_partitions() {
        assertThatThrownBy(() -> ingest.execute(kafka("events")
                        .config("partitions", List.of(1))
                        .config("read_timeout", "1ms")
                        .build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessage("read_timeout passed before the read of topic events finished: partition 1 at 0 of 4");
    }

    @Test
    void a_missing_topic_or_partition_is_named() {
        assertThatThrownBy(() -> ingest.execute(kafka("no_such_topic").build()))
                .hasMessage("topic \"no_such_topic\" not found at " + broker.bootstrapServers());
        assertThatThrownBy(() -> ingest.execute(
                        kafka("events").config("partitions", List.of(0, 7)).build()))
                .hasMessage("partitions: topic events has no partition 7 (it has [0, 1, 2])");
    }

    @Test
    void validate_names_the_fields() {
        assertThat(ingest.validate(Map.of("source", "kafka")))
                .containsExactly(
                        "bootstrap_servers is required with source kafka", "topic is required with source kafka");
        Map<String, Object> both =
                new LinkedHashMap<>(Map.of("source", "kafka", "bootstrap_servers", "b:9092", "topic", "t"));
        both.put("start_offsets", "first");
        both.put("end_offsets", Map.of("x", 5));
        both.put("window", "logical_day");
        both.put("from", "yesterday");
        assertThat(ingest.validate(both))
                .containsExactly(
                        "start_offsets must be earliest, latest or an offset of 0 or more, got \"first\"",
                        "end_offsets: \"x\" is not a partition number",
                        "start_offsets/end_offsets and from/to/window are exclusive: bound the read by offsets or by time",
                        "window and from/to are exclusive: window: logical_day sets both",
                        "from: \"yesterday\" is not an ISO-8601 timestamp");
        assertThat(ingest.validate(Map.of(
                        "source",
                        "kafka",
                        "bootstrap_servers",
                        "b:9092",
                        "topic",
                        "t",
                        "from",
                        "2026-11-27",
                        "to",
                        "2026-11-26",
                        "format",
                        "avro")))
                .containsExactly("from must be before to", "format must be json or text, got \"avro\"");
        assertThat(ingest.validate(Map.of("topic", "t", "path", "x.csv")))
                .containsExactly("topic and bootstrap_servers are for source kafka: set source: kafka");
    }
}
