package dev.sluice.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayDeque;
import java.util.Deque;
import org.jooq.Configuration;
import org.jooq.ConnectionProvider;
import org.jooq.TransactionContext;
import org.jooq.TransactionProvider;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DefaultConnectionProvider;

/**
 * jOOQ transactions on pooled connections at the server's default isolation (read committed), nested ones as
 * savepoints. jOOQ's own provider asks the driver for the connection's isolation level at every begin and commit,
 * which pgjdbc answers with a {@code SHOW TRANSACTION ISOLATION LEVEL} round trip: one of the seven or so round
 * trips of a hand-off, measured (BENCHMARKS.md §1). Sluice never changes the isolation level, so there is nothing
 * to ask.
 */
final class PooledTransactions implements TransactionProvider {
    /** The data key under which a transaction's state travels to the configurations derived from it. */
    private static final Object STATE = new Object() {
        @Override
        public String toString() {
            return "sluice.transaction";
        }
    };

    private static final class State {
        final Connection connection;
        final Deque<Savepoint> savepoints = new ArrayDeque<>();

        State(Connection connection) {
            this.connection = connection;
        }
    }

    private final ConnectionProvider pool;

    PooledTransactions(ConnectionProvider pool) {
        this.pool = pool;
    }

    @Override
    public void begin(TransactionContext ctx) {
        Configuration cfg = ctx.configuration();
        State outer = (State) cfg.data(STATE);
        try {
            if (outer != null) {
                outer.savepoints.push(outer.connection.setSavepoint());
                return;
            }
            Connection c = pool.acquire();
            try {
                c.setAutoCommit(false); // pgjdbc: no round trip; BEGIN goes with the first statement
            } catch (SQLException e) {
                pool.release(c);
                throw e;
            }
            cfg.data(STATE, new State(c));
            cfg.set(new DefaultConnectionProvider(c));
        } catch (SQLException e) {
            throw new DataAccessException("could not begin a transaction", e);
        }
    }

    @Override
    public void commit(TransactionContext ctx) {
        State s = (State) ctx.configuration().data(STATE);
        try {
            if (!s.savepoints.isEmpty()) {
                s.connection.releaseSavepoint(s.savepoints.pop());
                return;
            }
            // A failed commit is followed by jOOQ's rollback, which gives the connection back.
            s.connection.commit();
        } catch (SQLException e) {
            throw new DataAccessException("could not commit", e);
        }
        close(s);
    }

    @Override
    public void rollback(TransactionContext ctx) {
        State s = (State) ctx.configuration().data(STATE);
        if (s == null) return; // begin failed before there was a connection
        if (!s.savepoints.isEmpty()) {
            try {
                s.connection.rollback(s.savepoints.pop());
            } catch (SQLException e) {
                throw new DataAccessException("could not roll back to a savepoint", e);
            }
            return;
        }
        try {
            s.connection.rollback();
        } catch (SQLException e) {
            throw new DataAccessException("could not roll back", e);
        } finally {
            close(s);
        }
    }

    private void close(State s) {
        try {
            s.connection.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the pool resets or evicts a connection it cannot reuse
        } finally {
            pool.release(s.connection);
        }
    }
}
