package dev.sluice.ml.data;

import java.nio.file.Path;
import java.sql.SQLException;
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
    private final DuckDb db;
    private final DatasetSchema schema;
    private final String table;
    private final DuckDBAppender appender;
    private long rows;

    public DatasetWriter(DuckDb db, DatasetSchema schema) throws SQLException {
        this.db = db;
        this.schema = schema;
        this.table = "w_" + SEQ.incrementAndGet();
        StringBuilder ddl = new StringBuilder("CREATE TABLE ").append(table).append(" (");
        for (int i = 0; i < schema.columns().size(); i++) {
            Column c = schema.columns().get(i);
            if (i > 0) ddl.append(", ");
            ddl.append(DuckDb.ident(c.name())).append(' ').append(c.type().duckDbType());
        }
        db.exec(ddl.append(')').toString());
        this.appender = db.connection().unwrap(DuckDBConnection.class).createAppender(DuckDBConnection.DEFAULT_SCHEMA, table);
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
        db.exec("COPY (SELECT * FROM " + table + ") TO " + DuckDb.literal(parquet.toAbsolutePath().toString())
                + " (FORMAT parquet, COMPRESSION zstd)");
        db.exec("DROP TABLE " + table);
    }

    @Override
    public void close() throws SQLException {
        if (!appender.isClosed()) appender.close();
    }
}
