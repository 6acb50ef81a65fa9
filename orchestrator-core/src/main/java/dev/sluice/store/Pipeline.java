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

    /** One statement of a pipeline: its text (no ';'), its parameters, and what it makes of its result. */
    public abstract static class Step<T> {
        private T result;

        /** The statement's text; a single statement. */
        protected abstract String sql();

        /** Binds this statement's parameters from {@code index} on; returns the next free index. */
        protected abstract int bind(Connection c, PreparedStatement ps, int index) throws SQLException;

        /** Reads the statement's rows; null for a statement that returns none (its update count is ignored). */
        protected abstract T read(ResultSet rs) throws SQLException;

        /** Whether the statement returns rows (a select, or an update with {@code returning}). */
        protected abstract boolean returnsRows();

        /** What {@link #read} made of the result, once the pipeline ran. */
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
        return new Step<>() {
            @Override
            protected String sql() {
                return sql;
            }

            @Override
            protected int bind(Connection c, PreparedStatement ps, int index) throws SQLException {
                return binder.bind(c, ps, index);
            }

            @Override
            protected T read(ResultSet rs) throws SQLException {
                return reader.read(rs);
            }

            @Override
            protected boolean returnsRows() {
                return true;
            }
        };
    }

    /** A statement that returns no rows (its update count is ignored). */
    public static Step<Void> update(String sql, Binder binder) {
        return new Step<>() {
            @Override
            protected String sql() {
                return sql;
            }

            @Override
            protected int bind(Connection c, PreparedStatement ps, int index) throws SQLException {
                return binder.bind(c, ps, index);
            }

            @Override
            protected Void read(ResultSet rs) {
                return null;
            }

            @Override
            protected boolean returnsRows() {
                return false;
            }
        };
    }

    /** Runs {@code steps} in one round trip, in order, inside {@code tx}'s transaction. */
    public static void run(DSLContext tx, Step<?>... steps) {
        if (steps.length == 0) return;
        StringBuilder sql = new StringBuilder();
        for (Step<?> s : steps) {
            String text = s.sql();
            if (text.indexOf(';') >= 0) throw new IllegalArgumentException("a pipeline step is one statement: " + text);
            if (sql.length() > 0) sql.append(";\n");
            sql.append(text);
        }
        tx.connection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int index = 1;
                for (Step<?> s : steps) index = s.bind(c, ps, index);
                ps.execute();
                for (int i = 0; i < steps.length; i++) {
                    if (i > 0) ps.getMoreResults();
                    if (steps[i].returnsRows()) {
                        try (ResultSet rs = ps.getResultSet()) {
                            store(steps[i], rs);
                        }
                    } else {
                        store(steps[i], null);
                    }
                }
            }
        });
    }

    private static <T> void store(Step<T> step, ResultSet rs) throws SQLException {
        step.result = step.read(rs);
    }
}
