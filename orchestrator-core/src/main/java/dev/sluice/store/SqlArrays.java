package dev.sluice.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * Array parameters for the hot statements. A batch of any size binds as one array per column, so the statement's
 * text never changes: PostgreSQL's driver parses it once per connection and the server plans it once (a
 * multi-row {@code VALUES} list instead renders new text for every batch size, which a profile showed costing more
 * than the rows themselves).
 */
final class SqlArrays {
    private SqlArrays() {}

    static Array longs(Connection c, List<Long> values) throws SQLException {
        return c.createArrayOf("int8", values.toArray(Long[]::new));
    }

    static Array ints(Connection c, List<Integer> values) throws SQLException {
        return c.createArrayOf("int4", values.toArray(Integer[]::new));
    }

    static Array texts(Connection c, List<String> values) throws SQLException {
        return c.createArrayOf("text", values.toArray(String[]::new));
    }

    /** As ISO-8601 text, cast to timestamptz[] in the statement: exact to the microsecond, nulls kept. */
    static Array times(Connection c, List<Instant> values) throws SQLException {
        String[] s = new String[values.size()];
        for (int i = 0; i < s.length; i++)
            s[i] = values.get(i) == null ? null : values.get(i).toString();
        return c.createArrayOf("text", s);
    }

    /** Whether a failure is a unique-constraint violation (SQLSTATE 23505), wherever jOOQ wrapped it. */
    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "23505".equals(s.getSQLState())) return true;
        }
        return false;
    }
}
