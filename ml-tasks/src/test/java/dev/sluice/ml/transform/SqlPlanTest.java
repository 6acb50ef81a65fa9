package dev.sluice.ml.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQL form of every step computes what the Java form computes, nulls included. */
class SqlPlanTest {
    @TempDir
    Path tmp;

    @Test
    void sql_and_java_agree_on_every_step_with_a_sql_form() throws Exception {
        DatasetSchema input = new DatasetSchema(List.of(
                new Column("x", ColumnType.NUMBER),
                new Column("y", ColumnType.NUMBER),
                new Column("c", ColumnType.STRING),
                new Column("d", ColumnType.STRING),
                new Column("t", ColumnType.TIMESTAMP),
                new Column("b", ColumnType.BOOLEAN),
                new Column("e", ColumnType.BOOLEAN)));
        List<Step> steps = List.of(
                new Step.Impute("x", 2.5),
                new Step.Clip("x", 0, 10),
                new Step.Scale("x", 1, 4),
                new Step.Clip("y", -1, 1),
                new Step.Log("y", -1),
                new Step.Bin("y", List.of(-0.5, 0.0, 0.5)),
                new Step.Interaction("x", "y"),
                new Step.Interaction("x", "x"),
                new Step.Power("y", 3),
                new Step.Power("x", 0.5),
                new Step.Impute("c", "red"),
                new Step.OneHot("c", List.of("red", "blue"), false),
                new Step.Ordinal("d", List.of("lo", "hi")),
                new Step.DateParts("t", List.of("year", "month", "day", "day_of_week", "hour")),
                new Step.BooleanFlag("b", 1.0),
                new Step.BooleanFlag("e", null));
        FittedTransform t = FittedTransform.of(input, steps, "sha256:test", 3);

        List<Map<String, Object>> sql = new ArrayList<>();
        try (DuckDb db = DuckDb.open(tmp, "128MB", 1)) {
            db.exec(
                    "CREATE TABLE raw AS SELECT * FROM (VALUES (20, 0.7, 'blue', 'hi', TIMESTAMP '2026-11-26 07:30:00', true, false), "
                            + "(NULL, NULL, NULL, NULL, NULL, NULL, NULL), (-3, -5, 'green', 'zz', TIMESTAMP '2024-02-29 23:00:00', false, true)) v(x, y, c, d, t, b, e)");
            String select = SqlPlan.selectList(t.input(), t.steps(), t.output()).orElseThrow();
            Rows.forEach(db, "(SELECT " + select + " FROM raw)", sql::add);
        }
        List<Map<String, Object>> raw = new ArrayList<>();
        // Booleans as a caller may send them: JSON booleans or the texts the CSV had.
        raw.add(row(20, 0.7, "blue", "hi", LocalDateTime.parse("2026-11-26T07:30:00"), "yes", false));
        raw.add(row(null, null, null, null, null, null, null));
        raw.add(row(-3, -5, "green", "zz", LocalDateTime.parse("2024-02-29T23:00:00"), "N", true));

        assertThat(sql).hasSize(3);
        for (int i = 0; i < raw.size(); i++) {
            Map<String, Object> java = t.apply(raw.get(i));
            assertThat(sql.get(i).keySet()).as("row %d", i).containsExactlyInAnyOrderElementsOf(java.keySet());
            for (String k : java.keySet()) {
                Object j = java.get(k);
                Object s = sql.get(i).get(k);
                if (j == null) assertThat(s).as("row %d %s", i, k).isNull();
                else assertThat((Double) s).as("row %d %s", i, k).isCloseTo((Double) j, within(1e-12));
            }
        }
    }

    @Test
    void hashing_has_no_sql_form_so_callers_fall_back_to_java() {
        DatasetSchema input = new DatasetSchema(List.of(new Column("c", ColumnType.STRING)));
        FittedTransform t = FittedTransform.of(input, List.of(new Step.Hash("c", 4)), "sha256:test", 1);
        assertThat(SqlPlan.selectList(t.input(), t.steps(), t.output())).isEmpty();
    }

    @Test
    void a_boolean_is_one_or_zero_and_a_missing_one_its_training_fill() {
        DatasetSchema input = new DatasetSchema(List.of(new Column("b", ColumnType.BOOLEAN)));
        FittedTransform t = FittedTransform.of(input, List.of(new Step.BooleanFlag("b", 1.0)), "sha256:test", 1);
        assertThat(t.output().column("b").orElseThrow().type()).isEqualTo(ColumnType.NUMBER);
        assertThat(t.apply(new HashMap<>(Map.of("b", true)))).containsEntry("b", 1.0);
        assertThat(t.apply(new HashMap<>(Map.of("b", "no")))).containsEntry("b", 0.0);
        Map<String, Object> missing = new HashMap<>();
        missing.put("b", null);
        assertThat(t.apply(missing)).containsEntry("b", 1.0);
        assertThatThrownBy(() -> t.apply(new HashMap<>(Map.of("b", "maybe"))))
                .hasMessageContaining("b: expected a boolean")
                .hasMessageContaining("\"maybe\"");
    }

    private static Map<String, Object> row(Object x, Object y, Object c, Object d, Object t, Object b, Object e) {
        Map<String, Object> m = new HashMap<>();
        m.put("b", b);
        m.put("e", e);
        m.put("x", x);
        m.put("y", y);
        m.put("c", c);
        m.put("d", d);
        m.put("t", t);
        return m;
    }
}
