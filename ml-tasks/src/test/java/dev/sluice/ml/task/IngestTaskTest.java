package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ml.AdultData;
import dev.sluice.ml.TestDb;
import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.TaskFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestTaskTest {
    @TempDir
    Path home;

    private static final Map<String, Object> TYPES = new java.util.LinkedHashMap<>(Map.of("age", "number"));

    static {
        TYPES.put("name", "string");
    }

    private final IngestTask ingest = new IngestTask();

    @Test
    void reads_the_real_adult_training_file_with_its_separator_missing_marks_and_no_header() throws Exception {
        Map<String, Object> out = ingest.execute(
                        AdultData.ingest("adult-train.csv", home).build())
                .output();

        assertThat(out.get("rows")).isEqualTo(32_561L);
        assertThat(out.get("bad_rows")).isEqualTo(0L);
        assertThat(columns(out))
                .containsEntry("age", "number")
                .containsEntry("workclass", "string")
                .hasSize(15);
        Path file = LocalArtifactStore.inHome(home).localPath((String) out.get("dataset"));
        try (DuckDb db = DuckDb.open(home, "256MB", 1)) {
            String rel = DuckDb.parquet(file);
            // '?' became NULL, values are trimmed of the ", " separator's space, and 3,620 rows miss a value.
            assertThat(db.queryLong("SELECT count(*) FROM " + rel + " WHERE workclass IS NULL"))
                    .isEqualTo(1_836);
            assertThat(db.queryLong("SELECT count(*) FROM " + rel
                            + " WHERE workclass IS NULL OR occupation IS NULL OR native_country IS NULL"))
                    .isEqualTo(2_399);
            assertThat(db.queryLong("SELECT count(*) FROM " + rel + " WHERE income = '>50K'"))
                    .isEqualTo(7_841);
        }
    }

    @Test
    void strips_the_trailing_dot_of_test_labels_with_sql() throws Exception {
        Map<String, Object> out =
                ingest.execute(AdultData.ingest("adult-test.csv", home).build()).output();

        assertThat(out.get("rows")).isEqualTo(16_281L);
        try (DuckDb db = DuckDb.open(home, "256MB", 1)) {
            String rel = DuckDb.parquet(LocalArtifactStore.inHome(home).localPath((String) out.get("dataset")));
            assertThat(db.queryLong("SELECT count(DISTINCT income) FROM " + rel))
                    .isEqualTo(2);
            assertThat(db.queryLong("SELECT count(*) FROM " + rel + " WHERE income LIKE '%.'"))
                    .isZero();
        }
    }

    @Test
    void bad_rows_fail_by_default_naming_the_lines() throws Exception {
        Path csv = badCsv();
        var ctx = TestTaskContext.task("ingest")
                .home(home)
                .config("path", csv.toString())
                .config("columns", TYPES)
                .build();

        assertThatThrownBy(() -> ingest.execute(ctx))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("2 bad rows")
                .hasMessageContaining("line 3")
                .hasMessageContaining("line 5");
    }

    @Test
    void bad_rows_skip_counts_them() throws Exception {
        var ctx = TestTaskContext.task("ingest")
                .home(home)
                .config("path", badCsv().toString())
                .config("columns", TYPES)
                .config("bad_rows", "skip")
                .build();

        Map<String, Object> out = ingest.execute(ctx).output();

        assertThat(out).containsEntry("rows", 3L).containsEntry("bad_rows", 2L).doesNotContainKey("quarantine");
    }

    @Test
    void bad_rows_quarantine_writes_them_to_an_artifact() throws Exception {
        var ctx = TestTaskContext.task("ingest")
                .home(home)
                .config("path", badCsv().toString())
                .config("columns", TYPES)
                .config("bad_rows", "quarantine")
                .build();

        Map<String, Object> out = ingest.execute(ctx).output();

        assertThat(out).containsEntry("rows", 3L).containsEntry("bad_rows", 2L);
        List<String> lines =
                Files.readAllLines(LocalArtifactStore.inHome(home).localPath((String) out.get("quarantine")));
        assertThat(lines).hasSize(3); // header + 2 rejected rows
        assertThat(lines.get(1)).contains("3").contains("abc");
        assertThat(lines.get(2)).contains("5");
    }

    @Test
    void max_bad_rows_fails_even_when_skipping() throws Exception {
        var ctx = TestTaskContext.task("ingest")
                .home(home)
                .config("path", badCsv().toString())
                .config("columns", TYPES)
                .config("bad_rows", "skip")
                .config("max_bad_rows", 1)
                .build();

        assertThatThrownBy(() -> ingest.execute(ctx))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("more than max_bad_rows 1");
    }

    @Test
    void reads_json_lines_and_parquet() throws Exception {
        Path jsonl = home.resolve("in.jsonl");
        Files.writeString(jsonl, "{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2, \"b\": \"y\"}\n");
        Map<String, Object> j = ingest.execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", jsonl.toString())
                        .build())
                .output();
        assertThat(j).containsEntry("rows", 2L);

        Path parquet = LocalArtifactStore.inHome(home).localPath((String) j.get("dataset"));
        Path copy = Files.copy(parquet, home.resolve("copy.parquet"));
        Map<String, Object> p = ingest.execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", copy.toString())
                        .build())
                .output();
        assertThat(p).containsEntry("rows", 2L);
        // Same content, same artifact: the store is content-addressed.
        assertThat(p.get("dataset")).isEqualTo(j.get("dataset"));
    }

    @Test
    void reads_a_postgres_query_incrementally_and_records_lineage() throws Exception {
        DataSource ds = TestDb.dataSource();
        try (Connection c = ds.getConnection()) {
            c.createStatement()
                    .execute(
                            "CREATE TABLE IF NOT EXISTS ingest_events (id int, amount numeric, kind text, at timestamptz)");
            c.createStatement().execute("TRUNCATE ingest_events");
            c.createStatement()
                    .execute(
                            "INSERT INTO ingest_events VALUES (1, 10.5, 'a', '2026-11-25 12:00Z'), "
                                    + "(2, 20, 'b', '2026-11-26 01:00Z'), (3, 30, NULL, '2026-11-26 23:00Z'), (4, 40, 'a', '2026-11-27 00:00Z')");
        }
        var ctx = TestTaskContext.task("ingest")
                .home(home)
                .service(DataSource.class, ds)
                .config("source", "postgres")
                .config("query", "SELECT id, amount, kind, at FROM ingest_events")
                .config("incremental_column", "at")
                .build();

        Map<String, Object> out = ingest.execute(ctx).output();

        assertThat(out).containsEntry("rows", 2L); // only the logical date's day, 2026-11-26
        assertThat(columns(out))
                .containsEntry("amount", "number")
                .containsEntry("kind", "string")
                .containsEntry("at", "timestamp");
        String hash = ((String) out.get("dataset")).substring("sha256:".length());
        try (Connection c = ds.getConnection();
                ResultSet r = c.createStatement()
                        .executeQuery(
                                "SELECT a.kind, a.rows, l.direction, l.task_id, l.attempt_id FROM artifact a JOIN artifact_lineage l ON l.artifact_id = a.id WHERE a.hash = '"
                                        + hash + "'")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("dataset");
            assertThat(r.getLong(2)).isEqualTo(2);
            assertThat(r.getString(3)).isEqualTo("produced");
            assertThat(r.getLong(5)).isEqualTo(ctx.attemptKey());
        }
    }

    @Test
    void a_postgres_query_cannot_write_to_sluices_database() throws Exception {
        DataSource ds = TestDb.dataSource();
        try (Connection c = ds.getConnection()) {
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS ingest_guard (id int)");
            c.createStatement().execute("TRUNCATE ingest_guard");
            c.createStatement().execute("INSERT INTO ingest_guard VALUES (1), (2), (3)");
        }
        for (String query : List.of(
                "WITH gone AS (DELETE FROM ingest_guard RETURNING id) SELECT id FROM gone",
                "DELETE FROM ingest_guard; COMMIT; SELECT 1 AS id")) {
            var ctx = TestTaskContext.task("ingest")
                    .home(home)
                    .service(DataSource.class, ds)
                    .config("source", "postgres")
                    .config("query", query)
                    .build();
            assertThatThrownBy(() -> ingest.execute(ctx))
                    .as(query)
                    .isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("may not write");
        }
        try (Connection c = ds.getConnection();
                ResultSet r = c.createStatement().executeQuery("SELECT count(*) FROM ingest_guard")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getLong(1)).as("rows left after both queries").isEqualTo(3);
        }
    }

    @Test
    void columns_no_task_can_use_are_refused_by_name_with_the_way_out() throws Exception {
        // A time of day is not a timestamp: it used to pass as one and could be neither a feature nor date parts.
        Path csv = home.resolve("visits.csv");
        Files.writeString(csv, "id,at,member\n1,10:15:00,yes\n2,11:00:00,no\n");
        assertThatThrownBy(() -> ingest.execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", csv.toString())
                        .build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("at (TIME)")
                .hasMessageContaining("EXCLUDE (\"at\")");
        Map<String, Object> fixed = ingest.execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", csv.toString())
                        .config("sql", "SELECT * EXCLUDE (\"at\"), hour(\"at\") AS at_hour FROM input")
                        .build())
                .output();
        assertThat(columns(fixed))
                .containsEntry("member", "boolean")
                .containsEntry("at_hour", "number")
                .doesNotContainKey("at");

        // A list is not a category (VARCHAR[] used to pass as text), a struct is nothing a task reads.
        Path jsonl = home.resolve("events.jsonl");
        Files.writeString(
                jsonl,
                "{\"id\": 1, \"tags\": [\"a\", \"b\"], \"meta\": {\"x\": 1}}\n{\"id\": 2, \"tags\": [], \"meta\": {\"x\": 2}}\n");
        assertThatThrownBy(() -> ingest.execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", jsonl.toString())
                        .build()))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("tags (VARCHAR[])")
                .hasMessageContaining("meta (STRUCT(")
                .hasMessageContaining("EXCLUDE (\"tags\", \"meta\")");
        Map<String, Object> joined = ingest.execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", jsonl.toString())
                        .config("sql", "SELECT id, array_to_string(tags, ' ') AS tags FROM input")
                        .build())
                .output();
        assertThat(columns(joined)).containsEntry("tags", "string").containsEntry("id", "number");
    }

    @Test
    void rejects_a_config_without_path_or_query() {
        assertThat(ingest.validate(Map.of("bad_rows", "drop")))
                .containsExactly(
                        "exactly one of path or query is required",
                        "bad_rows must be fail, skip or quarantine, got \"drop\"");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> columns(Map<String, Object> out) {
        return (Map<String, Object>) out.get("columns");
    }

    private Path badCsv() throws Exception {
        Path csv = home.resolve("bad.csv");
        Files.writeString(csv, "age,name\n1,a\nabc,b\n3,c\n4,d,extra\n5,e\n");
        return csv;
    }
}
