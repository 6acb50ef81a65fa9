package dev.sluice.ml.data;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Streams a relation row by row as {@code name -> value} maps with plain Java values (Double, String, Boolean,
 * LocalDateTime), the same shape a prediction request has, so batch and online paths share one transform code.
 */
public final class Rows {
    private Rows() {}

    @FunctionalInterface
    public interface RowConsumer {
        void accept(Map<String, Object> row) throws Exception;
    }

    public static long forEach(DuckDb db, String relationSql, RowConsumer consumer) throws Exception {
        long n = 0;
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("SELECT * FROM " + relationSql)) {
            ResultSetMetaData md = r.getMetaData();
            int cols = md.getColumnCount();
            String[] names = new String[cols];
            for (int i = 0; i < cols; i++) names[i] = md.getColumnLabel(i + 1);
            while (r.next()) {
                Map<String, Object> row = new LinkedHashMap<>(cols * 2);
                for (int i = 0; i < cols; i++) row.put(names[i], normalise(r.getObject(i + 1)));
                consumer.accept(row);
                n++;
            }
        }
        return n;
    }

    /** Numbers become Double, dates become LocalDateTime; strings and booleans stay. */
    public static Object normalise(Object v) throws SQLException {
        if (v == null) return null;
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof Timestamp t) return t.toLocalDateTime();
        if (v instanceof java.sql.Date d) return d.toLocalDate().atStartOfDay();
        if (v instanceof LocalDate d) return d.atStartOfDay();
        if (v instanceof OffsetDateTime o) return o.toLocalDateTime();
        if (v instanceof LocalDateTime || v instanceof String || v instanceof Boolean) return v;
        return v.toString();
    }
}
