package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ml.Json;
import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.TaskFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitAndValidateTest {
    @TempDir
    Path home;

    /** Rows with an id, a day increasing with the id, a 10 % positive label, an amount and a category. */
    private String dataset(int rows, double amountShift) throws Exception {
        Path csv = home.resolve("d" + rows + "_" + amountShift + ".csv");
        StringBuilder c = new StringBuilder("id,day,label,amount,kind\n");
        for (int i = 0; i < rows; i++) {
            c.append(i)
                    .append(',')
                    .append(java.time.LocalDate.of(2020, 1, 1).plusDays(i))
                    .append(',')
                    .append(i % 10 == 0 ? 1 : 0)
                    .append(',')
                    .append(i % 100 + amountShift)
                    .append(',')
                    .append(i % 3 == 0 ? "a" : "b")
                    .append('\n');
        }
        Files.writeString(csv, c);
        return (String) new IngestTask()
                .execute(TestTaskContext.task("ingest")
                        .home(home)
                        .config("path", csv.toString())
                        .build())
                .output()
                .get("dataset");
    }

    private Map<String, Object> split(String ds, Map<String, Object> config) throws Exception {
        TestTaskContext.Builder b = TestTaskContext.task("split").home(home).config("dataset", ds);
        config.forEach(b::config);
        return new SplitTask().execute(b.build()).output();
    }

    private long query(String ref, String sql) throws Exception {
        try (DuckDb db = DuckDb.open(home, "128MB", 1)) {
            return db.queryLong(sql.replace(
                    "$", DuckDb.parquet(LocalArtifactStore.inHome(home).localPath(ref))));
        }
    }

    @Test
    void stratified_split_keeps_class_shares_and_exact_sizes() throws Exception {
        Map<String, Object> out = split(dataset(1000, 0), Map.of("method", "stratified", "stratify_column", "label"));
        assertThat(out)
                .containsEntry("train_rows", 700L)
                .containsEntry("validation_rows", 150L)
                .containsEntry("test_rows", 150L);
        assertThat(query((String) out.get("train"), "SELECT count(*) FROM $ WHERE label = 1"))
                .isEqualTo(70);
        assertThat(query((String) out.get("test"), "SELECT count(*) FROM $ WHERE label = 1"))
                .isEqualTo(15);
    }

    @Test
    void random_split_is_seeded() throws Exception {
        String ds = dataset(1000, 0);
        Map<String, Object> a = split(ds, Map.of("seed", 1));
        Map<String, Object> b = split(ds, Map.of("seed", 1));
        Map<String, Object> c = split(ds, Map.of("seed", 2));
        assertThat(a.get("train")).isEqualTo(b.get("train"));
        assertThat(a.get("train")).isNotEqualTo(c.get("train"));
        assertThat(query((String) a.get("train"), "SELECT count(DISTINCT id) FROM $"))
                .isEqualTo(700);
    }

    @Test
    void time_split_puts_the_latest_rows_in_test() throws Exception {
        Map<String, Object> out = split(
                dataset(1000, 0),
                Map.of("method", "time", "time_column", "day", "train_ratio", 0.8, "validation_ratio", 0));
        assertThat(out)
                .containsEntry("train_rows", 800L)
                .containsEntry("test_rows", 200L)
                .doesNotContainKey("validation");
        assertThat(query((String) out.get("train"), "SELECT max(id) FROM $")).isEqualTo(799);
        assertThat(query((String) out.get("test"), "SELECT min(id) FROM $")).isEqualTo(800);
    }

    @Test
    void split_config_errors_are_named() {
        assertThat(new SplitTask().validate(Map.of("method", "stratified")))
                .containsExactly("method stratified needs stratify_column");
        assertThat(new SplitTask().validate(Map.of("train_ratio", 0.9, "validation_ratio", 0.2)))
                .hasSize(1);
    }

    @Test
    void validation_passes_and_stores_stats() throws Exception {
        String ds = dataset(1000, 0);
        var ctx = TestTaskContext.task("validate")
                .home(home)
                .config("dataset", ds)
                .config("columns", Map.of("amount", "number", "kind", "string"))
                .config("max_null_ratio", Map.of("*", 0.0))
                .config("ranges", Map.of("amount", Map.of("min", 0, "max", 99)))
                .config("allowed", Map.of("kind", List.of("a", "b")))
                .config("min_rows", 1000)
                .config("reference", ds)
                .build();
        Map<String, Object> out = new ValidateDataTask().execute(ctx).output();
        assertThat(out).containsEntry("passed", true).containsEntry("rows", 1000L);
        Map<String, Object> stats =
                Json.readMap(Files.readString(LocalArtifactStore.inHome(home).localPath((String) out.get("stats"))));
        @SuppressWarnings("unchecked")
        Map<String, Object> amount = (Map<String, Object>) stats.get("amount");
        assertThat(amount).containsEntry("min", 0.0).containsEntry("max", 99.0);
    }

    @Test
    void failed_checks_and_drift_fail_the_task_with_a_readable_report() throws Exception {
        String reference = dataset(1000, 0);
        String drifted = dataset(1000, 60); // amounts shifted by 60: most mass moves to the reference's top decile
        var ctx = TestTaskContext.task("validate")
                .home(home)
                .config("dataset", drifted)
                .config("columns", Map.of("amount", "string", "missing_col", "number"))
                .config("ranges", Map.of("amount", Map.of("max", 99)))
                .config("allowed", Map.of("kind", List.of("a")))
                .config("max_rows", 10)
                .config("reference", reference)
                .config("drift_columns", List.of("amount", "kind"))
                .build();

        assertThatThrownBy(() -> new ValidateDataTask().execute(ctx))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("schema: column amount is number, expected string")
                .hasMessageContaining("schema: column missing_col is missing")
                .hasMessageContaining("range: 600 values of amount outside {max=99}")
                .hasMessageContaining("categories: kind has values not allowed: \"b\" (666 rows)")
                .hasMessageContaining("rows: 1000 rows, more than max_rows 10")
                .hasMessageContaining("drift: PSI of amount is")
                .hasMessageNotContaining("PSI of kind")
                .hasMessageContaining("(report sha256:");
    }
}
