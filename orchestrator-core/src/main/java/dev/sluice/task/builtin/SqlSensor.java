package dev.sluice.task.builtin;

import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.template.CodeLanguage;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Waits until {@code query}'s first cell is truthy: true, a number other than zero, a string other than empty,
 * "0" or "false". The query runs read-only on the application database the node offers task types (as
 * {@code ml.ingest}'s postgres source does). Templates in it print values as SQL literals, never as SQL.
 */
public final class SqlSensor extends Sensor {
    @Override
    public String name() {
        return "sensor.sql";
    }

    @Override
    public String description() {
        return "Waits until a SQL query's first cell is truthy";
    }

    @Override
    List<ConfigField> sensorFields() {
        return List.of(ConfigField.required("query", FieldType.STRING, "SELECT whose first cell decides")
                .code(CodeLanguage.SQL));
    }

    @Override
    List<String> validateSensor(Map<String, Object> config) {
        return config.get("query") instanceof String q && q.isBlank() ? List.of("query: must not be empty") : List.of();
    }

    @Override
    Poke poke(TaskContext ctx) throws Exception {
        DataSource ds = ctx.service(DataSource.class)
                .orElseThrow(() -> new TaskFailedException(
                        "sensor.sql needs the application database, which this worker has not got"));
        String sql = String.valueOf(ctx.config().get("query"));
        try (Connection c = ds.getConnection()) {
            boolean readOnly = c.isReadOnly();
            boolean autoCommit = c.getAutoCommit();
            // A sensor only looks. The driver makes a connection read-only only inside a transaction (in
            // auto-commit it is a mere hint), so the query runs in a read-only transaction that is rolled back.
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setMaxRows(1);
                try (ResultSet r = ps.executeQuery()) {
                    if (!r.next()) return Poke.no("query returned no row");
                    Object cell = r.getObject(1);
                    return truthy(cell)
                            ? new Poke(true, "first cell " + cell, Map.of("value", String.valueOf(cell)))
                            : Poke.no("first cell " + cell);
                }
            } finally {
                c.rollback();
                c.setReadOnly(readOnly);
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            // a wrong query does not get right by waiting
            throw new TaskFailedException("query failed: " + e.getMessage());
        }
    }

    static boolean truthy(Object cell) {
        if (cell == null) return false;
        if (cell instanceof Boolean b) return b;
        if (cell instanceof BigDecimal d) return d.signum() != 0;
        if (cell instanceof Number n) return n.doubleValue() != 0;
        String s = cell.toString().strip();
        return !s.isEmpty() && !s.equals("0") && !s.equalsIgnoreCase("false");
    }
}
