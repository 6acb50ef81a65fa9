package dev.sluice.ml.data;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Writes rows computed in Java (e.g. by a fitted transform) to a Parquet file: they are appended into a DuckDB
 * table, which the buffer manager may spill, then copied out with zstd compression.
 */
public final class DatasetWriter implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();
    // Its own connection to the same database: a streaming read on the task's connection may be feeding it.
    private final Connection conn;
    private final DatasetSchema schema;
    private final String table;
    private final DuckDBAppender appender;
    private long rows;

    public DatasetWriter(DuckDb db, DatasetSchema schema) throws SQLException {
        this.conn = db.connection().unwrap(DuckDBConnection.class).duplicate();
        this.schema = schema;
        this.table = "w_" + SEQ.incrementAndGet();
        StringBuilder ddl = new StringBuilder("CREATE TABLE ").append(table).append(" (");
        for (int i = 0; i < schema.columns().size(); i++) {
            Column c = schema.columns().get(i);
            if (i > 0) ddl.append(", ");
            ddl.append(DuckDb.ident(c.name())).append(' ').append(c.type().duckDbType());
        }
        exec(ddl.append(')').toString());
        this.appender = conn.unwrap(DuckDBConnection.class).createAppender(DuckDBConnection.DEFAULT_SCHEMA, table);
    }

    public void append(Map<String, Object> row) throws SQLException {
        appender.beginRow();
        for (Column c : schema.columns()) {
            Object v = row.get(c.name());
            if (v == null) {
                appender.appendNull();
                continue;
            }
            switch (c.type()) {
                case NUMBER -> appender.append(((Number) v).doubleValue());
                case STRING -> appender.append(v.toString());
                case BOOLEAN -> appender.append((Boolean) v);
                case TIMESTAMP -> appender.append((LocalDateTime) v);
            }
        }
        appender.endRow();
        rows++;
    }

    public long rows() {
        return rows;
    }

    /** Flushes and writes the Parquet file; the writer is finished afterwards. */
    public void finish(Path parquet) throws SQLException {
        appender.close();
        exec("COPY (SELECT * FROM " + table + ") TO "
                + DuckDb.literal(parquet.toAbsolutePath().toString()) + " (FORMAT parquet, COMPRESSION zstd)");
        exec("DROP TABLE " + table);
    }

    private void exec(String sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            if (!appender.isClosed()) appender.close();
        } finally {
            conn.close();
        }
    }
}
