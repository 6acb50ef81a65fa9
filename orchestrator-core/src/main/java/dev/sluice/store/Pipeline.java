package dev.sluice.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jooq.DSLContext;

/**
 * Several statements sent to PostgreSQL in one round trip and executed in order in the caller's transaction, each
 * seeing what the ones before it wrote (read committed: each takes its own snapshot, as if sent one by one). The
 * driver sends a statement text holding several statements as one message sequence with a single sync, so a hand-off
 * that locks, writes and reads back pays one network round trip and one wake-up of each side instead of three. The
 * repositories keep owning their SQL: each contributes {@link Step}s, and the caller decides which go together.
 */
public final class Pipeline {
    private Pipeline() {}

    /**
     * One statement of a pipeline: its text (no ';'), its parameters, and what it makes of its rows (no reader: the
     * statement returns none and its update count is ignored). Made by {@link #query} or {@link #update}.
     */
    public static final class Step<T> {
        private final String sql;
        private final Binder binder;
        private final Reader<T> reader;
        private T result;

        private Step(String sql, Binder binder, Reader<T> reader) {
            this.sql = sql;
            this.binder = binder;
            this.reader = reader;
        }

        /** What the reader made of the result once the pipeline ran (null for a statement without rows). */
        public T result() {
            return result;
        }
    }

    /** Binds a statement's parameters from {@code index} on; returns the next free index. */
    @FunctionalInterface
    public interface Binder {
        int bind(Connection c, PreparedStatement ps, int index) throws SQLException;
    }

    /** Reads a statement's rows. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** A statement that returns rows (a select, or a write with {@code returning}), read by {@code reader}. */
    public static <T> Step<T> query(String sql, Binder binder, Reader<T> reader) {
        return new Step<>(sql, binder, java.util.Objects.requireNonNull(reader));
    }

    /** A statement that returns no rows (its update count is ignored). */
    public static Step<Void> update(String sql, Binder binder) {
        return new Step<>(sql, binder, null);
    }

    /** Runs {@code steps} in one round trip, in order, inside {@code tx}'s transaction. */
    public static void run(DSLContext tx, Step<?>... steps) {
        if (steps.length == 0) return;
        StringBuilder sql = new StringBuilder();
        for (Step<?> s : steps) {
            String text = s.sql;
            if (text.indexOf(';') >= 0) throw new IllegalArgumentException("a pipeline step is one statement: " + text);
            if (sql.length() > 0) sql.append(";\n");
            sql.append(text);
        }
        tx.connection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int index = 1;
                for (Step<?> s : steps) index = s.binder.bind(c, ps, index);
                ps.execute();
                for (int i = 0; i < steps.length; i++) {
                    if (i > 0) ps.getMoreResults();
                    if (steps[i].reader != null) {
                        try (ResultSet rs = ps.getResultSet()) {
                            store(steps[i], rs);
                        }
                    }
                }
            }
        });
    }

    private static <T> void store(Step<T> step, ResultSet rs) throws SQLException {
        step.result = step.reader.read(rs);
    }
}
