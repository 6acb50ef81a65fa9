package dev.sluice.ml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where the UCI Adult files are and how to read them: the ingest config the example DAG uses. */
public final class AdultData {
    public static final List<String> NUMERIC =
            List.of("age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week");
    public static final List<String> CATEGORICAL = List.of(
            "workclass", "education", "marital_status", "occupation", "relationship", "race", "sex", "native_country");

    private AdultData() {}

    /** examples/data/adult in the repository. */
    public static Path dir() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("examples/data/adult"))) p = p.getParent();
        if (p == null)
            throw new IllegalStateException(
                    "examples/data/adult not found above " + Path.of("").toAbsolutePath());
        return p.resolve("examples/data/adult");
    }

    public static Map<String, Object> columns() {
        Map<String, Object> c = new LinkedHashMap<>();
        for (String n : List.of(
                "age",
                "workclass",
                "fnlwgt",
                "education",
                "education_num",
                "marital_status",
                "occupation",
                "relationship",
                "race",
                "sex",
                "capital_gain",
                "capital_loss",
                "hours_per_week",
                "native_country",
                "income")) {
            c.put(n, NUMERIC.contains(n) ? "number" : "string");
        }
        return c;
    }

    /** ml.ingest config for one Adult file; the label loses the test file's trailing dot. */
    public static TestTaskContext.Builder ingest(String file, Path home) {
        return TestTaskContext.task("ingest")
                .home(home)
                .dagDirectory(dir())
                .config("path", file)
                .config("separator", ", ")
                .config("header", false)
                .config("columns", columns())
                .config("null_values", List.of("?"))
                .config("bad_rows", "skip")
                .config("sql", "SELECT * REPLACE (rtrim(income, '.') AS income) FROM input");
    }
}
