package dev.sluice.ml.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.ml.Json;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.python.TestVenv;
import dev.sluice.ml.transform.FittedTransform;
import dev.sluice.ml.transform.SqlPlan;
import dev.sluice.ml.transform.SqlPlan.Dialect;
import dev.sluice.ml.transform.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark dialect of every step with a SQL form, on a real Spark in local mode, computes what the Java form
 * computes (as SqlPlanTest holds the DuckDB dialect to it); an unseen category fails the query with the step's
 * message; identifiers and texts with quotes, backticks and backslashes survive the escaping.
 */
class SqlPlanOnSparkTest {
    @TempDir
    Path tmp;

    @Test
    void the_spark_dialect_agrees_with_java_on_every_step_and_refuses_an_unseen_category() throws Exception {
        DatasetSchema input = new DatasetSchema(List.of(
                new Column("x", ColumnType.NUMBER),
                new Column("y", ColumnType.NUMBER),
                new Column("c", ColumnType.STRING),
                new Column("d", ColumnType.STRING),
                new Column("t", ColumnType.TIMESTAMP),
                new Column("b", ColumnType.BOOLEAN),
                new Column("e", ColumnType.BOOLEAN),
                new Column("we`ird", ColumnType.STRING)));
        List<Step> steps = List.of(
                new Step.Impute("x", 2.5),
                new Step.Clip("x", 0, 10),
                new Step.Scale("x", 1, 4),
                new Step.Clip("y", -1, 1),
                new Step.Log("y", -1),
                new Step.Bin("y", List.of(-0.5, 0.0, 0.5)),
                new Step.Interaction("x", "y"),
                new Step.Power("y", 3),
                new Step.Power("x", 0.5),
                new Step.Impute("c", "red"),
                new Step.OneHot("c", List.of("red", "blue"), false),
                new Step.Ordinal("d", List.of("lo", "hi")),
                new Step.DateParts("t", List.of("year", "month", "day", "day_of_week", "hour")),
                new Step.BooleanFlag("b", 1.0),
                new Step.BooleanFlag("e", null),
                new Step.OneHot("we`ird", List.of("it's", "back\\slash"), true));
        FittedTransform t = FittedTransform.of(input, steps, "sha256:test", 3);
        String select = SqlPlan.selectList(t.input(), t.steps(), t.output(), Dialect.SPARK)
                .orElseThrow();

        Path script = tmp.resolve("plan.py");
        Path out = tmp.resolve("rows.json");
        Files.writeString(script, """
                import json, sys
                from pyspark.sql import SparkSession
                spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
                spark.sql(r\"\"\"CREATE TEMP VIEW raw AS SELECT * FROM VALUES
                  (0, 20, 0.7D, 'blue', 'hi', TIMESTAMP'2026-11-26 07:30:00', true, false, 'back\\\\slash'),
                  (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                  (2, -3, -5D, 'green', 'zz', TIMESTAMP'2024-02-29 23:00:00', false, true, 'it\\'s')
                  AS v(i, x, y, c, d, t, b, e, `we``ird`)\"\"\")
                rows = [r.asDict() for r in spark.sql("SELECT i, " + sys.argv[1] + " FROM raw ORDER BY i").collect()]
                try:
                    spark.sql("SELECT " + sys.argv[1] + " FROM (SELECT * FROM raw UNION ALL SELECT 3, 1, 1D, 'red',"
                              " 'lo', NULL, true, true, 'new')").collect()
                    unseen = "no error"
                except Exception as ex:
                    unseen = str(ex)
                json.dump({"rows": rows, "unseen": unseen}, open(sys.argv[2], "w"))
                spark.stop()
                """);
        ProcessBuilder pb = new ProcessBuilder(TestVenv.python(), script.toString(), select, out.toString())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("spark.log").toFile());
        pb.environment().put("JAVA_HOME", SparkTaskTest.sparkJava().toString());
        pb.environment().put("PYSPARK_PYTHON", TestVenv.python());
        Process p = pb.start();
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("Spark finished").isTrue();
        assertThat(p.exitValue())
                .as(() -> {
                    try {
                        return Files.readString(tmp.resolve("spark.log"));
                    } catch (java.io.IOException e) {
                        return e.toString();
                    }
                })
                .isZero();

        Map<String, Object> result = Json.readMap(Files.readString(out));
        assertThat((String) result.get("unseen")).contains("value \"new\" of we`ird was not seen in training");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> spark = (List<Map<String, Object>>) result.get("rows");
        List<Map<String, Object>> raw = List.of(
                row(20, 0.7, "blue", "hi", LocalDateTime.parse("2026-11-26T07:30:00"), true, false, "back\\slash"),
                row(null, null, null, null, null, null, null, null),
                row(-3, -5, "green", "zz", LocalDateTime.parse("2024-02-29T23:00:00"), false, true, "it's"));
        assertThat(spark).hasSize(3);
        for (int i = 0; i < raw.size(); i++) {
            Map<String, Object> java = t.apply(raw.get(i));
            Map<String, Object> s = new HashMap<>(spark.get(i));
            s.remove("i");
            assertThat(s.keySet()).as("row %d", i).containsExactlyInAnyOrderElementsOf(java.keySet());
            for (String k : java.keySet()) {
                Object j = java.get(k);
                if (j == null) assertThat(s.get(k)).as("row %d %s", i, k).isNull();
                else
                    assertThat(((Number) s.get(k)).doubleValue())
                            .as("row %d %s", i, k)
                            .isCloseTo((Double) j, within(1e-12));
            }
        }
    }

    private static Map<String, Object> row(
            Object x, Object y, Object c, Object d, Object t, Object b, Object e, Object w) {
        Map<String, Object> m = new HashMap<>();
        m.put("x", x);
        m.put("y", y);
        m.put("c", c);
        m.put("d", d);
        m.put("t", t);
        m.put("b", b);
        m.put("e", e);
        m.put("we`ird", w);
        return m;
    }
}
