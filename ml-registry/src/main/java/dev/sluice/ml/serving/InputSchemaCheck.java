package dev.sluice.ml.serving;

import dev.sluice.ml.data.Booleans;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.DatasetSchema;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks request rows against a model's raw input schema before the transform sees them. Unknown fields are
 * refused rather than ignored: a misspelt field would otherwise be silently imputed. The columns ml.preprocess
 * deliberately dropped ({@code ignored}) are the exception: a caller sending complete rows may send them, and they
 * are not used.
 */
final class InputSchemaCheck {
    private InputSchemaCheck() {}

    static void check(DatasetSchema schema, Set<String> ignored, List<Map<String, Object>> rows) {
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> row = rows.get(i);
            if (row == null) throw new InvalidInputException(i, "*", "row is null");
            for (String k : row.keySet()) {
                if (schema.column(k).isEmpty() && !ignored.contains(k)) {
                    throw new InvalidInputException(i, k, "unknown field; expected fields: " + schema.names());
                }
            }
            for (Column c : schema.columns()) {
                if (!row.containsKey(c.name()))
                    throw new InvalidInputException(i, c.name(), "missing (send null for an unknown value)");
                Object v = row.get(c.name());
                if (v == null) continue;
                boolean ok = switch (c.type()) {
                    case NUMBER -> v instanceof Number n && Double.isFinite(n.doubleValue());
                    case STRING -> v instanceof String;
                    // JSON true/false, or the texts the data had ("yes"/"no"): whatever DuckDB read as a boolean.
                    case BOOLEAN -> Booleans.accepts(v);
                    case TIMESTAMP -> v instanceof LocalDateTime || v instanceof String;
                };
                if (!ok) {
                    String expected = c.type() == dev.sluice.ml.data.ColumnType.BOOLEAN
                            ? "a boolean, " + Booleans.ACCEPTED
                            : "a " + c.type().lower();
                    throw new InvalidInputException(i, c.name(), "expected " + expected + ", got " + describe(v));
                }
            }
        }
    }

    private static String describe(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : v.getClass().getSimpleName() + " " + v;
    }
}
