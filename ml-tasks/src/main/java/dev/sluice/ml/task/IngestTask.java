package dev.sluice.ml.task;

import static dev.sluice.ml.data.DuckDb.ident;
import static dev.sluice.ml.data.DuckDb.literal;

import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DatasetWriter;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.data.Rows;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.template.CodeLanguage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * ml.ingest: reads CSV, Parquet or JSON lines with DuckDB's readers, a query on the application's PostgreSQL, the
 * pages of an HTTP JSON API ({@link HttpJsonSource}), or a bounded batch of a Kafka topic ({@link KafkaSource}) or a
 * Kinesis data stream ({@link KinesisSource}), optionally reshapes it with SQL, and stores it as a Parquet dataset
 * artifact. Malformed CSV rows (wrong column count, values that do not parse as the declared type) and API, Kafka or
 * Kinesis records that are not JSON objects or do not fit the declared columns follow the bad_rows policy and are
 * counted in the output.
 */
public final class IngestTask extends MlTask {
    private static final List<String> SOURCES =
            List.of("csv", "parquet", "jsonl", "postgres", "http", "kafka", "kinesis");
    private static final List<ConfigField> FIELDS = with(concat(
            List.of(
                    ConfigField.optional(
                            "source",
                            FieldType.STRING,
                            null,
                            "csv | parquet | jsonl | postgres | http | kafka | kinesis; by default from the path's extension."),
                    ConfigField.optional(
                            "path",
                            FieldType.STRING,
                            null,
                            "File or glob to read, relative to the DAG file's directory."),
                    ConfigField.optional(
                                    "query",
                                    FieldType.STRING,
                                    null,
                                    "SQL query on the application's PostgreSQL (source: postgres); template values are SQL-quoted.")
                            .code(CodeLanguage.SQL),
                    ConfigField.optional(
                            "separator",
                            FieldType.STRING,
                            ",",
                            "CSV field separator, up to 4 characters (\", \" for UCI Adult)."),
                    ConfigField.optional(
                            "header", FieldType.BOOLEAN, true, "Whether the CSV's first line holds column names."),
                    ConfigField.optional(
                            "columns",
                            FieldType.ANY,
                            null,
                            "Column names (a list, CSV only) or names with types (a mapping name: number|string|boolean|timestamp)."),
                    ConfigField.optional(
                            "null_values", FieldType.LIST, List.of(), "Strings read as missing, e.g. [\"?\"]."),
                    ConfigField.optional(
                            "bad_rows",
                            FieldType.STRING,
                            "fail",
                            "fail | skip | quarantine: what to do with CSV rows that do not parse, or http/kafka/kinesis records that are not JSON objects or do not fit columns."),
                    ConfigField.optional(
                            "max_bad_rows",
                            FieldType.INTEGER,
                            null,
                            "With skip or quarantine, fail anyway when more rows than this are bad."),
                    ConfigField.optional(
                                    "sql",
                                    FieldType.STRING,
                                    null,
                                    "SQL applied to the data read, which is visible as the table \"input\"; template values are SQL-quoted.")
                            .code(CodeLanguage.SQL),
                    ConfigField.optional(
                            "incremental_column",
                            FieldType.STRING,
                            null,
                            "Keep only rows whose timestamp in this column lies in the run's day: [logical date, +1 day).")),
            HttpJsonSource.FIELDS,
            KafkaSource.FIELDS,
            KinesisSource.FIELDS));

    @Override
    public String name() {
        return "ml.ingest";
    }

    @Override
    public String description() {
        return "Read CSV, Parquet, JSON lines, a PostgreSQL query, an HTTP JSON API, a Kafka topic or a Kinesis stream into a Parquet dataset artifact.";
    }

    @Override
    public List<ConfigField> configFields() {
        return FIELDS;
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>(cacheErrors(config));
        Object source = config.get("source");
        if (source != null && !SOURCES.contains(source)) {
            errors.add("source must be csv, parquet, jsonl, postgres, http, kafka or kinesis, got \"" + source + "\"");
        }
        boolean records = "http".equals(source) || "kafka".equals(source) || "kinesis".equals(source);
        if (records) {
            for (String k : List.of("path", "query"))
                if (config.get(k) != null) errors.add(k + " is not used by source " + source);
            errors.addAll(
                    switch ((String) source) {
                        case "http" -> HttpJsonSource.validate(config);
                        case "kafka" -> KafkaSource.validate(config);
                        default -> KinesisSource.validate(config);
                    });
        } else {
            if ((config.get("path") == null) == (config.get("query") == null))
                errors.add("exactly one of path or query is required");
            if (config.get("url") != null) errors.add("url is for source http: set source: http");
            if (config.get("topic") != null || config.get("bootstrap_servers") != null) {
                errors.add("topic and bootstrap_servers are for source kafka: set source: kafka");
            }
            if (config.get("stream") != null) errors.add("stream is for source kinesis: set source: kinesis");
        }
        Object bad = config.getOrDefault("bad_rows", "fail");
        if (!List.of("fail", "skip", "quarantine").contains(bad)) {
            errors.add("bad_rows must be fail, skip or quarantine, got \"" + bad + "\"");
        }
        if ("jsonl".equals(source) && "quarantine".equals(bad))
            errors.add("bad_rows: quarantine is supported for csv, http, kafka and kinesis only");
        Object cols = config.get("columns");
        if (cols != null && !(cols instanceof List) && !(cols instanceof Map)) {
            errors.add("columns must be a list of names or a mapping of name to type");
        }
        if (records && cols instanceof List) {
            errors.add("columns: source " + source
                    + " takes a mapping of name to type (a list of names is for CSV without a header)");
        }
        if (cols instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                try {
                    ColumnType.parse(String.valueOf(e.getValue()));
                } catch (IllegalArgumentException ex) {
                    errors.add("columns." + e.getKey() + ": " + ex.getMessage());
                }
            }
        }
        return errors;
    }

    @Override
    String notCacheable(Map<String, Object> config) {
        Object source = config.get("source");
        if (config.get("path") == null
                || "postgres".equals(source)
                || "http".equals(source)
                || "kafka".equals(source)
                || "kinesis".equals(source)) {
            return "only file sources can be cached: a query, an API, a topic or a stream can change without Sluice"
                    + " seeing it";
        }
        return null;
    }

    /**
     * A file source is identified by each file's path, size and modification time (what make and rsync trust),
     * not by its bytes: hashing a large file would cost a good part of reading it.
     */
    @Override
    Map<String, Object> cacheInputs(TaskContext ctx, Cfg cfg) throws Exception {
        Map<String, Object> files = new TreeMap<>();
        Path p = resolve(ctx, cfg.str("path"));
        for (Path f : matching(p))
            files.put(
                    f.toString(),
                    Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis());
        if (files.isEmpty()) throw new TaskFailedException("input file not found: " + p);
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("files", files);
        if (cfg.has("incremental_column"))
            in.put("logical_date", ctx.logicalDate().toString());
        return in;
    }

    /** The file itself, or the files a glob in it matches (searched from the deepest directory without one). */
    private static List<Path> matching(Path p) throws java.io.IOException {
        String s = p.toString();
        if (!s.contains("*") && !s.contains("?") && !s.contains("["))
            return Files.isRegularFile(p) ? List.of(p) : List.of();
        Path base = p.getRoot() == null ? Path.of("") : p.getRoot();
        for (Path part : p) {
            String name = part.toString();
            if (name.contains("*") || name.contains("?") || name.contains("[")) break;
            base = base.resolve(part);
        }
        var matcher = p.getFileSystem().getPathMatcher("glob:" + s);
        try (Stream<Path> walk = Files.walk(base)) {
            return walk.filter(Files::isRegularFile)
                    .filter(matcher::matches)
                    .sorted()
                    .toList();
        }
    }

    @Override
    TaskResult run(TaskContext ctx) throws Exception {
        Cfg cfg = cfg(ctx);
        List<String> errors = validate(ctx.config());
        if (!errors.isEmpty()) throw new TaskFailedException("invalid ml.ingest config: " + String.join("; ", errors));
        String source = cfg.has("source") ? cfg.str("source") : sourceFromPath(cfg.str("path", ""));
        String policy = cfg.str("bad_rows", "fail");
        Map<String, Object> out = new LinkedHashMap<>();
        try (DuckDb db = duck(ctx, cfg)) {
            long bad = 0;
            switch (source) {
                case "csv" -> bad = readCsv(ctx, cfg, db, policy, out);
                case "parquet" ->
                    db.exec("CREATE TABLE raw AS SELECT * FROM read_parquet(" + literal(path(ctx, cfg)) + ")");
                case "jsonl" -> bad = readJsonl(ctx, cfg, db, policy);
                case "postgres" -> readPostgres(ctx, cfg, db);
                case "http" -> bad = new HttpJsonSource(cfg).read(ctx, this, db, out);
                case "kafka" -> bad = new KafkaSource(cfg).read(ctx, this, db, out);
                case "kinesis" -> bad = new KinesisSource(cfg).read(ctx, this, db, out);
                default -> throw new TaskFailedException("unknown source " + source);
            }
            if (bad > 0 && cfg.has("max_bad_rows") && bad > cfg.lng("max_bad_rows")) {
                throw new TaskFailedException(bad + " bad rows, more than max_bad_rows " + cfg.lng("max_bad_rows")
                        + (out.containsKey("quarantine") ? " (rejected rows: " + out.get("quarantine") + ")" : ""));
            }
            String rel = "raw";
            if (cfg.has("incremental_column") && !"postgres".equals(source)) {
                var from = ctx.logicalDate().atOffset(ZoneOffset.UTC).toLocalDateTime();
                var to = from.plus(Duration.ofDays(1));
                rel = "(SELECT * FROM raw WHERE " + ident(cfg.str("incremental_column")) + " >= TIMESTAMP "
                        + literal(from.toString()) + " AND " + ident(cfg.str("incremental_column")) + " < TIMESTAMP "
                        + literal(to.toString()) + ")";
            }
            if (cfg.has("sql")) {
                db.exec("CREATE VIEW input AS SELECT * FROM " + rel);
                rel = "(" + cfg.str("sql") + ")";
            }
            refuseUnsupportedColumns(db, rel, cfg.has("sql"));
            Datasets.Stored ds = Datasets.storeRelation(ctx, this, db, rel, "dataset");
            ctx.log()
                    .printf(
                            "ingested %d rows (%d bad, policy %s) into %s%n",
                            ds.rows(), bad, policy, ds.artifact().ref());
            out.put("dataset", ds.artifact().ref());
            out.put("rows", ds.rows());
            out.put("bad_rows", bad);
            out.put("columns", ds.schema().toMap());
            return TaskResult.of(out);
        }
    }

    /**
     * A column no ML task can use (a list, a struct, a time of day...) fails the ingest, every one named with the
     * way out, instead of reaching ml.preprocess as something it is not or vanishing from the features there.
     */
    private static void refuseUnsupportedColumns(DuckDb db, String rel, boolean hasSql) throws Exception {
        List<DuckDb.UnsupportedColumn> bad;
        try {
            bad = db.unsupportedColumns(rel);
        } catch (SQLException e) {
            throw new TaskFailedException((hasSql ? "sql: " : "cannot read the input: ") + e.getMessage());
        }
        if (bad.isEmpty()) return;
        throw new TaskFailedException("column(s) "
                + bad.stream().map(Object::toString).collect(java.util.stream.Collectors.joining(", "))
                + " cannot be used by ML tasks: " + ColumnType.UNSUPPORTED
                + ". Convert them or leave them out with sql,"
                + " e.g. sql: SELECT * EXCLUDE ("
                + String.join(", ", bad.stream().map(c -> ident(c.name())).toList())
                + ") FROM input; or array_to_string(c, ' '), CAST(c AS VARCHAR), hour(c)");
    }

    @SafeVarargs
    private static List<ConfigField> concat(List<ConfigField> own, List<ConfigField>... sources) {
        List<ConfigField> all = new ArrayList<>(own);
        for (List<ConfigField> s : sources) all.addAll(s);
        return all;
    }

    private static String sourceFromPath(String path) throws TaskFailedException {
        String p = path.toLowerCase(Locale.ROOT);
        if (p.endsWith(".csv") || p.endsWith(".data") || p.endsWith(".test") || p.endsWith(".csv.gz")) return "csv";
        if (p.endsWith(".parquet")) return "parquet";
        if (p.endsWith(".jsonl") || p.endsWith(".ndjson") || p.endsWith(".json")) return "jsonl";
        throw new TaskFailedException("cannot tell the format of \"" + path + "\" from its extension: set source");
    }

    private static String path(TaskContext ctx, Cfg cfg) throws TaskFailedException {
        String p = resolve(ctx, cfg.str("path")).toString();
        if (!p.contains("*") && !Files.isRegularFile(Path.of(p)))
            throw new TaskFailedException("input file not found: " + p);
        return p;
    }

    private long readCsv(TaskContext ctx, Cfg cfg, DuckDb db, String policy, Map<String, Object> out) throws Exception {
        StringBuilder opts = new StringBuilder();
        opts.append("delim = ").append(literal(cfg.str("separator", ",")));
        opts.append(", header = ").append(cfg.bool("header"));
        List<String> nulls = cfg.strings("null_values");
        if (!nulls.isEmpty())
            opts.append(", nullstr = [")
                    .append(String.join(
                            ", ", nulls.stream().map(DuckDb::literal).toList()))
                    .append(']');
        Object cols = cfg.raw("columns");
        if (cols instanceof Map<?, ?> m) {
            List<String> defs = new ArrayList<>();
            m.forEach((k, v) -> defs.add(literal(k.toString()) + ": "
                    + literal(ColumnType.parse(v.toString()).duckDbType())));
            opts.append(", columns = {").append(String.join(", ", defs)).append('}');
        } else if (cols instanceof List<?> l) {
            opts.append(", names = [")
                    .append(String.join(
                            ", ", l.stream().map(o -> literal(o.toString())).toList()))
                    .append(']');
        }
        // Always collect rejects, so even the fail policy can say which lines were bad and why.
        opts.append(", ignore_errors = true, store_rejects = true");
        try {
            db.exec("CREATE TABLE raw AS SELECT * FROM read_csv(" + literal(path(ctx, cfg)) + ", " + opts + ")");
        } catch (SQLException e) {
            throw new TaskFailedException("cannot read CSV " + cfg.str("path") + ": " + e.getMessage());
        }
        long bad = db.queryLong("SELECT count(*) FROM (SELECT DISTINCT file_id, line FROM reject_errors)");
        if (bad == 0) return 0;
        if (policy.equals("fail")) {
            List<String> first = new ArrayList<>();
            try (Statement s = db.connection().createStatement();
                    ResultSet r =
                            s.executeQuery("SELECT line, error_message FROM reject_errors ORDER BY line LIMIT 5")) {
                while (r.next()) first.add("line " + r.getLong(1) + ": " + r.getString(2));
            }
            throw new TaskFailedException(
                    bad + " bad rows in " + cfg.str("path") + " (bad_rows: fail); first: " + String.join("; ", first));
        }
        if (policy.equals("quarantine")) {
            Path tmp = store(ctx).newTempFile(".csv");
            db.exec(
                    "COPY (SELECT file_id, line, string_agg(DISTINCT error_message, '; ') AS error, any_value(csv_line) AS csv_line "
                            + "FROM reject_errors GROUP BY file_id, line ORDER BY file_id, line) TO "
                            + literal(tmp.toString()) + " (FORMAT csv, HEADER)");
            Artifact q = store(ctx).put(tmp, ArtifactKind.QUARANTINE, "text/csv");
            catalog(ctx).produced(ctx, "quarantine", q, bad, null, null);
            out.put("quarantine", q.ref());
            ctx.log().printf("quarantined %d bad rows to %s%n", bad, q.ref());
        }
        return bad;
    }

    private long readJsonl(TaskContext ctx, Cfg cfg, DuckDb db, String policy) throws Exception {
        String p = path(ctx, cfg);
        boolean skip = !policy.equals("fail");
        try {
            db.exec("CREATE TABLE raw AS SELECT * FROM read_json(" + literal(p) + ", format = 'newline_delimited'"
                    + (skip ? ", ignore_errors = true" : "") + ")");
        } catch (SQLException e) {
            throw new TaskFailedException("cannot read JSON lines " + cfg.str("path") + ": " + e.getMessage());
        }
        if (!skip || p.contains("*")) return 0;
        long lines;
        try (Stream<String> s = Files.lines(Path.of(p))) {
            lines = s.filter(l -> !l.isBlank()).count();
        }
        return Math.max(0, lines - db.count("raw"));
    }

    /** Streams the query result from PostgreSQL into DuckDB; the incremental window uses bind values. */
    private void readPostgres(TaskContext ctx, Cfg cfg, DuckDb db) throws Exception {
        DataSource ds = ctx.service(DataSource.class)
                .orElseThrow(() -> new TaskFailedException(
                        "source postgres needs the application database, which this worker has not got"));
        String sql = cfg.str("query");
        boolean incremental = cfg.has("incremental_column");
        if (incremental) {
            sql = "SELECT * FROM (" + sql + ") q WHERE q." + ident(cfg.str("incremental_column")) + " >= ? AND q."
                    + ident(cfg.str("incremental_column")) + " < ?";
        }
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false); // PostgreSQL only streams (honours fetch size) inside a transaction
            // This is Sluice's own database: an ingest reads it, never writes it, even if the query says so (a
            // data-modifying CTE, or a COMMIT between statements that would outlive the rollback below). The
            // driver begins each transaction READ ONLY while the flag is set; it goes back before the pool has it.
            c.setReadOnly(true);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setFetchSize(10_000);
                if (incremental) {
                    ps.setTimestamp(1, Timestamp.from(ctx.logicalDate()));
                    ps.setTimestamp(2, Timestamp.from(ctx.logicalDate().plus(Duration.ofDays(1))));
                }
                try (ResultSet r = ps.executeQuery()) {
                    ResultSetMetaData md = r.getMetaData();
                    List<Column> cols = new ArrayList<>();
                    for (int i = 1; i <= md.getColumnCount(); i++)
                        cols.add(new Column(md.getColumnLabel(i), typeOf(md.getColumnType(i))));
                    DatasetSchema schema = new DatasetSchema(cols);
                    try (DatasetWriter w = new DatasetWriter(db, schema)) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        while (r.next()) {
                            for (int i = 0; i < cols.size(); i++) {
                                Object v = Rows.normalise(r.getObject(i + 1));
                                row.put(
                                        cols.get(i).name(),
                                        cols.get(i).type() == ColumnType.STRING && v != null ? v.toString() : v);
                            }
                            w.append(row);
                        }
                        Path tmp = store(ctx).newTempFile(".parquet");
                        w.finish(tmp);
                        db.exec("CREATE TABLE raw AS SELECT * FROM " + DuckDb.parquet(tmp));
                        Files.deleteIfExists(tmp);
                    }
                }
            } catch (java.sql.SQLException e) {
                if ("25006".equals(e.getSQLState())) // read_only_sql_transaction
                throw new TaskFailedException("query: source postgres reads Sluice's database and may not write to it: "
                        + e.getMessage());
                throw e;
            } finally {
                c.rollback();
                c.setAutoCommit(auto);
                c.setReadOnly(false);
            }
        }
    }

    private static ColumnType typeOf(int sqlType) {
        return switch (sqlType) {
            case Types.TINYINT,
                    Types.SMALLINT,
                    Types.INTEGER,
                    Types.BIGINT,
                    Types.REAL,
                    Types.FLOAT,
                    Types.DOUBLE,
                    Types.NUMERIC,
                    Types.DECIMAL -> ColumnType.NUMBER;
            case Types.BOOLEAN, Types.BIT -> ColumnType.BOOLEAN;
            case Types.DATE, Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> ColumnType.TIMESTAMP;
            default -> ColumnType.STRING;
        };
    }
}
