package dev.sluice.ml.data;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * One in-process DuckDB per task attempt, with a memory limit and a spill directory so a dataset larger than
 * memory is sorted and aggregated on disk instead of failing the worker.
 *
 * <p>DuckDB's table functions take file paths and identifiers that cannot be bind parameters, so they go
 * through {@link #literal} and {@link #ident}; values still use bind parameters where DuckDB allows them.
 */
public final class DuckDb implements AutoCloseable {
    private final Connection conn;
    private Path ownedSpillDir;

    private DuckDb(Connection conn) {
        this.conn = conn;
    }

    /** Like {@link #open}, and deletes {@code spillDir} on close. */
    public static DuckDb openOwning(Path spillDir, String memoryLimit, int threads) throws SQLException {
        DuckDb db = open(spillDir, memoryLimit, threads);
        db.ownedSpillDir = spillDir;
        return db;
    }

    public static DuckDb open(Path spillDir, String memoryLimit, int threads) throws SQLException {
        Properties p = new Properties();
        // Stream result sets instead of materialising them: rows flow to the writer in batches.
        p.setProperty("jdbc_stream_results", "true");
        Connection c = DriverManager.getConnection("jdbc:duckdb:", p);
        DuckDb db = new DuckDb(c);
        db.exec("SET memory_limit = " + literal(memoryLimit));
        db.exec("SET threads = " + Math.max(1, threads));
        db.exec("SET temp_directory = " + literal(spillDir.toAbsolutePath().toString()));
        return db;
    }

    public Connection connection() {
        return conn;
    }

    public void exec(String sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
        }
    }

    public long count(String relationSql) throws SQLException {
        return queryLong("SELECT count(*) FROM " + relationSql);
    }

    public long queryLong(String sql) throws SQLException {
        try (Statement s = conn.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    /**
     * The columns of a relation, by DuckDB's DESCRIBE. A column of a type ML datasets cannot hold (a list, a
     * struct...) fails with every such column named: see {@link #unsupportedColumns}.
     */
    public DatasetSchema schemaOf(String relationSql) throws SQLException {
        List<Column> cols = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();
        try (Statement s = conn.createStatement();
                ResultSet r = s.executeQuery("DESCRIBE " + relationSql)) {
            while (r.next()) {
                String name = r.getString("column_name");
                String type = r.getString("column_type");
                if (ColumnType.supports(type)) cols.add(new Column(name, ColumnType.fromDuckDb(type)));
                else unsupported.add(name + " (" + type + ")");
            }
        }
        if (!unsupported.isEmpty()) {
            throw new IllegalArgumentException(
                    "unsupported column types: " + String.join(", ", unsupported) + "; " + ColumnType.UNSUPPORTED);
        }
        return new DatasetSchema(cols);
    }

    /** A column whose DuckDB type no ML task can use. */
    public record UnsupportedColumn(String name, String duckDbType) {
        @Override
        public String toString() {
            return name + " (" + duckDbType + ")";
        }
    }

    /** The columns of a relation whose types no ML task can use; empty when every one fits. */
    public List<UnsupportedColumn> unsupportedColumns(String relationSql) throws SQLException {
        List<UnsupportedColumn> out = new ArrayList<>();
        try (Statement s = conn.createStatement();
                ResultSet r = s.executeQuery("DESCRIBE " + relationSql)) {
            while (r.next()) {
                String type = r.getString("column_type");
                if (!ColumnType.supports(type)) out.add(new UnsupportedColumn(r.getString("column_name"), type));
            }
        }
        return out;
    }

    /** {@code read_parquet('<path>')} for a local Parquet file. */
    public static String parquet(Path file) {
        return "read_parquet(" + literal(file.toAbsolutePath().toString()) + ")";
    }

    public static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    public static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    @Override
    public void close() throws SQLException {
        conn.close();
        if (ownedSpillDir != null) {
            try (var files = java.nio.file.Files.walk(ownedSpillDir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // Leftover spill files are harmless; the next clean-up of SLUICE_HOME/tmp takes them.
            }
        }
    }
}
