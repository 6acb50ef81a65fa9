package dev.sluice.ml.task;

import static dev.sluice.ml.data.DuckDb.ident;
import static dev.sluice.ml.data.DuckDb.literal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where JSON records from a streaming source (an HTTP API, a Kafka topic) go before DuckDB reads them: one JSON
 * object per line in a temp file, so memory holds one page or poll at a time whatever the size of the read.
 *
 * <p>Nested objects and arrays are kept as JSON text in a string column rather than flattened: flattening would
 * give a dataset whose columns depend on which optional fields the records happened to carry. With declared
 * {@code columns} each record is checked and coerced here (numbers given as text, ISO timestamps with an offset), so
 * a record that does not fit is a bad row with a reason instead of a DuckDB cast error that names no record.
 */
final class RecordSpool implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter DUCKDB_TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    private final TaskContext ctx;
    private final MlTask task;
    private final String policy;
    private final Map<String, ColumnType> declared;
    private final Map<String, String> metaColumns;
    private final Path file;
    private final JsonGenerator out;
    private Path quarantineFile;
    private JsonGenerator quarantine;
    private long good;
    private long bad;

    /**
     * @param metaColumns columns the source adds to every record (name to DuckDB type), present even when no record
     *                    was read, e.g. Kafka's partition and offset
     */
    RecordSpool(TaskContext ctx, MlTask task, Cfg cfg, Map<String, String> metaColumns) throws Exception {
        this.ctx = ctx;
        this.task = task;
        this.policy = cfg.str("bad_rows", "fail");
        this.declared = declaredColumns(cfg);
        this.metaColumns = metaColumns;
        this.file = task.store(ctx).newTempFile(".jsonl");
        this.out = JSON.createGenerator(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
        out.setRootValueSeparator(null);
    }

    static Map<String, ColumnType> declaredColumns(Cfg cfg) {
        Map<String, ColumnType> cols = new LinkedHashMap<>();
        if (cfg.raw("columns") instanceof Map<?, ?> m)
            m.forEach((k, v) -> cols.put(k.toString(), ColumnType.parse(v.toString())));
        return cols;
    }

    /**
     * Adds one record. {@code meta} holds the source's own columns; {@code origin} says where the record came from
     * (page and index, partition and offset) for the bad-row message and the quarantine file; {@code raw} is the
     * record's text as received, quarantined when the record is bad.
     */
    void add(JsonNode record, Map<String, Object> meta, Map<String, Object> origin, String raw) throws Exception {
        if (!(record instanceof ObjectNode obj)) {
            reject(origin, "not a JSON object (" + describe(record) + ")", raw);
            return;
        }
        ObjectNode row = JSON.createObjectNode();
        if (declared.isEmpty()) {
            obj.properties().forEach(e -> row.set(e.getKey(), flat(e.getValue())));
        } else {
            for (Map.Entry<String, ColumnType> c : declared.entrySet()) {
                JsonNode v = obj.get(c.getKey());
                try {
                    row.set(c.getKey(), coerce(v, c.getValue()));
                } catch (IllegalArgumentException e) {
                    reject(origin, "column " + c.getKey() + ": " + e.getMessage(), raw);
                    return;
                }
            }
        }
        // The source's columns win over same-named fields in the record: they are what says where the row came from.
        meta.forEach((k, v) -> row.set(k, v == null ? null : JSON.valueToTree(v)));
        JSON.writeTree(out, row);
        out.writeRaw('\n');
        good++;
    }

    /** Counts a record the source could not even parse (e.g. a Kafka value that is not JSON). */
    void reject(Map<String, Object> origin, String error, String raw) throws Exception {
        bad++;
        if (policy.equals("fail")) {
            throw new TaskFailedException("bad record at " + where(origin) + ": " + error + " (bad_rows: fail)");
        }
        if (!policy.equals("quarantine")) return;
        if (quarantine == null) {
            quarantineFile = task.store(ctx).newTempFile(".jsonl");
            quarantine = JSON.createGenerator(new BufferedOutputStream(Files.newOutputStream(quarantineFile)));
            quarantine.setRootValueSeparator(null);
        }
        Map<String, Object> line = new LinkedHashMap<>(origin);
        line.put("error", error);
        line.put("record", raw);
        JSON.writeValue(quarantine, line);
        quarantine.writeRaw('\n');
    }

    long good() {
        return good;
    }

    long bad() {
        return bad;
    }

    /**
     * Reads the spooled records into the DuckDB table {@code raw} and stores the quarantine file, if any, adding its
     * reference to {@code output}. Returns the number of bad records.
     */
    long finish(DuckDb db, Map<String, Object> output) throws Exception {
        out.close();
        if (good == 0) {
            createEmpty(db);
        } else if (!declared.isEmpty()) {
            Map<String, String> types = new LinkedHashMap<>();
            declared.forEach((k, v) -> types.put(k, v.duckDbType()));
            types.putAll(metaColumns);
            db.exec("CREATE TABLE raw AS SELECT * FROM read_json(" + literal(file.toString())
                    + ", format = 'newline_delimited', columns = " + struct(types) + ")");
        } else {
            createInferred(db);
        }
        if (quarantine != null) {
            quarantine.close();
            quarantine = null;
            Artifact q = task.store(ctx).put(quarantineFile, ArtifactKind.QUARANTINE, "application/x-ndjson");
            task.catalog(ctx).produced(ctx, "quarantine", q, bad, null, null);
            output.put("quarantine", q.ref());
            ctx.log().printf("quarantined %d bad records to %s%n", bad, q.ref());
        }
        return bad;
    }

    private void createEmpty(DuckDb db) throws Exception {
        Map<String, String> types = new LinkedHashMap<>();
        declared.forEach((k, v) -> types.put(k, v.duckDbType()));
        types.putAll(metaColumns);
        if (types.isEmpty()) {
            throw new TaskFailedException("no records read" + (bad > 0 ? " (" + bad + " bad)" : "")
                    + " and no columns declared: declare columns to accept an empty read");
        }
        List<String> defs = new ArrayList<>();
        types.forEach((k, v) -> defs.add(ident(k) + " " + v));
        db.exec("CREATE TABLE raw (" + String.join(", ", defs) + ")");
    }

    /**
     * Lets DuckDB infer the types over every record (sample_size -1: a field first seen late still gets a column),
     * then turns what the dataset cannot hold into text: a field holding numbers in some records and text in others
     * comes back as JSON, a field that is always null as NULL.
     */
    private void createInferred(DuckDb db) throws Exception {
        String read = "read_json(" + literal(file.toString()) + ", format = 'newline_delimited', sample_size = -1)";
        List<String> select = new ArrayList<>();
        try (Statement s = db.connection().createStatement();
                ResultSet r = s.executeQuery("DESCRIBE SELECT * FROM " + read)) {
            while (r.next()) {
                String name = r.getString("column_name");
                String type = r.getString("column_type");
                if (metaColumns.containsKey(name)) {
                    select.add("CAST(" + ident(name) + " AS " + metaColumns.get(name) + ") AS " + ident(name));
                } else if (type.equals("JSON")) {
                    select.add("(" + ident(name) + " ->> '$') AS " + ident(name));
                } else if (!supported(type)) {
                    select.add("CAST(" + ident(name) + " AS VARCHAR) AS " + ident(name));
                } else {
                    select.add(ident(name));
                }
            }
        }
        db.exec("CREATE TABLE raw AS SELECT " + String.join(", ", select) + " FROM " + read);
    }

    private static boolean supported(String duckDbType) {
        return ColumnType.supports(duckDbType);
    }

    private static String struct(Map<String, String> types) {
        List<String> defs = new ArrayList<>();
        types.forEach((k, v) -> defs.add(literal(k) + ": " + literal(v)));
        return "{" + String.join(", ", defs) + "}";
    }

    /** Nested values become their JSON text; scalars stay as they are. */
    private static JsonNode flat(JsonNode v) {
        return v.isContainerNode() ? JSON.getNodeFactory().textNode(v.toString()) : v;
    }

    /** The value as the declared type will hold it; IllegalArgumentException says why it cannot. */
    static JsonNode coerce(JsonNode v, ColumnType type) {
        if (v == null || v.isNull()) return null;
        var nodes = JSON.getNodeFactory();
        return switch (type) {
            case STRING -> v.isContainerNode() ? nodes.textNode(v.toString()) : nodes.textNode(v.asText());
            case NUMBER -> {
                if (v.isNumber()) yield v;
                if (v.isTextual()) {
                    try {
                        yield nodes.numberNode(new BigDecimal(v.asText().trim()));
                    } catch (NumberFormatException e) {
                        // fall through to the error below
                    }
                }
                throw new IllegalArgumentException(show(v) + " is not a number");
            }
            case BOOLEAN -> {
                if (v.isBoolean()) yield v;
                String s = v.isTextual() ? v.asText().trim().toLowerCase(Locale.ROOT) : "";
                if (s.equals("true") || s.equals("false")) yield nodes.booleanNode(s.equals("true"));
                throw new IllegalArgumentException(show(v) + " is not true or false");
            }
            case TIMESTAMP -> {
                if (!v.isTextual()) throw new IllegalArgumentException(show(v) + " is not an ISO-8601 timestamp");
                yield nodes.textNode(DUCKDB_TIMESTAMP.format(utc(v.asText().trim())));
            }
        };
    }

    /** ISO-8601 with an offset (converted to UTC), without one (taken as UTC), or a date (its midnight). */
    static LocalDateTime utc(String s) {
        try {
            return OffsetDateTime.parse(s).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        } catch (DateTimeParseException e) {
            // not with an offset
        }
        try {
            return LocalDateTime.parse(s.replace(' ', 'T'));
        } catch (DateTimeParseException e) {
            // not a local date-time
        }
        try {
            return LocalDate.parse(s).atStartOfDay();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("\"" + abbreviate(s) + "\" is not an ISO-8601 timestamp");
        }
    }

    static String timestamp(Instant t) {
        return DUCKDB_TIMESTAMP.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC));
    }

    private static String show(JsonNode v) {
        return v.isTextual() ? "\"" + abbreviate(v.asText()) + "\"" : abbreviate(v.toString());
    }

    private static String describe(JsonNode v) {
        if (v == null || v.getNodeType() == JsonNodeType.NULL) return "null";
        return switch (v.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> v.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String where(Map<String, Object> origin) {
        List<String> parts = new ArrayList<>();
        origin.forEach((k, v) -> parts.add(k + " " + v));
        return String.join(", ", parts);
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
            if (quarantine != null) quarantine.close();
        } finally {
            Files.deleteIfExists(file);
            if (quarantineFile != null) Files.deleteIfExists(quarantineFile);
        }
    }
}
