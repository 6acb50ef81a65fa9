package dev.sluice.ml.drift;

import static dev.sluice.ml.data.DuckDb.literal;
import static dev.sluice.ml.registry.db.jooq.Tables.PREDICTION_LOG;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.data.Booleans;
import dev.sluice.ml.data.Column;
import dev.sluice.ml.data.ColumnType;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.model.ModelBundle;
import dev.sluice.ml.registry.ModelRegistry;
import dev.sluice.ml.registry.ModelVersion;
import dev.sluice.ml.stats.Histogram;
import dev.sluice.ml.stats.Psi;
import dev.sluice.ml.transform.FittedTransform;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Record1;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Drift of served inputs against the training data: the sampled request rows in {@code prediction_log} for one
 * model version, bucketed like the rows the version's preprocessing was fitted on, PSI per input column. The
 * baseline is the training split itself (the transform's {@code fittedOn} artifact), so it is exactly what the
 * model learnt from.
 */
public final class PredictionDrift {
    /** The report: PSI per input column and the columns above the threshold, over {@code rows} served rows. */
    public record Report(
            String model,
            int version,
            String baselineDataset,
            long baselineRows,
            Instant since,
            long requests,
            long rows,
            Map<String, Double> psi,
            double maxPsi,
            List<String> drifted) {}

    /** One JSON document per line: the shared mapper indents. */
    private static final ObjectWriter LINE = Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);

    private final ModelRegistry registry;
    private final ArtifactStore store;
    private final DSLContext db;
    private final Path scratch;

    public PredictionDrift(ModelRegistry registry, ArtifactStore store, DataSource ds, Path scratch) {
        this.registry = registry;
        this.store = store;
        this.db = DSL.using(ds, SQLDialect.POSTGRES);
        this.scratch = scratch;
    }

    /**
     * Compares the rows served by {@code aliasOrVersion} of {@code model} since {@code since} (the newest
     * {@code maxRequests} logged requests at most) with its training rows.
     */
    public Report report(String model, String aliasOrVersion, Instant since, int maxRequests, double maxPsi)
            throws Exception {
        ModelVersion v = registry.resolve(model, aliasOrVersion);
        if (!store.contains(v.bundleRef())) {
            throw new IllegalStateException("the bundle of " + model + " version " + v.version() + " (" + v.bundleRef()
                    + ") is not in this server's artifact store, so its training data cannot be found");
        }
        ModelBundle bundle = Json.read(store.localPath(v.bundleRef()), ModelBundle.class);
        // The raw rows the model learnt from: what the transform was fitted on, or for an ONNX graph (which takes raw
        // rows) the dataset the python task trained on.
        String trainRef = bundle.transformRef() == null
                ? bundle.trainedOn()
                : FittedTransform.load(store.localPath(bundle.transformRef())).fittedOn();
        if (trainRef == null) {
            throw new IllegalStateException(
                    "the bundle of " + model + " version " + v.version()
                            + " records no training data to compare with (an ONNX model needs trained_on= in sluice.save_model)");
        }
        if (!store.contains(trainRef)) {
            throw new IllegalStateException("the training data of " + model + " version " + v.version() + " ("
                    + trainRef + ") is no longer in the artifact store, so there is nothing to compare with");
        }
        Files.createDirectories(scratch);
        Path rowsFile = Files.createTempFile(scratch, "served-", ".jsonl");
        Path spill = Files.createTempDirectory(scratch, "drift-");
        try (DuckDb duck = DuckDb.openOwning(spill, "512MB", 1)) {
            long[] counts =
                    writeServedRows(v, since, maxRequests, bundle.inputSchema().columns(), rowsFile);
            String train = DuckDb.parquet(store.localPath(trainRef));
            long trainRows = duck.count(train);
            Map<String, Double> psi = new LinkedHashMap<>();
            List<String> drifted = new ArrayList<>();
            if (counts[1] > 0) {
                duck.exec("CREATE TABLE served AS SELECT * FROM read_json(" + literal(rowsFile.toString())
                        + ", format = 'newline_delimited', columns = {"
                        + columnTypes(bundle.inputSchema().columns()) + "})");
                for (Column c : bundle.inputSchema().columns()) {
                    double p = Psi.of(Histogram.of(duck, train, c), duck, "served", c.name());
                    psi.put(c.name(), p);
                    if (p > maxPsi) drifted.add(c.name());
                }
            }
            return new Report(
                    model, v.version(), trainRef, trainRows, since, counts[0], counts[1], psi, maxPsi, drifted);
        } finally {
            Files.deleteIfExists(rowsFile);
        }
    }

    /** Streams the logged rows to a JSON-lines file, input columns only; returns {requests, rows}. */
    private long[] writeServedRows(ModelVersion v, Instant since, int maxRequests, List<Column> columns, Path file)
            throws IOException {
        long requests = 0;
        long rows = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file);
                var cursor = db.select(PREDICTION_LOG.PAYLOAD)
                        .from(PREDICTION_LOG)
                        .where(
                                PREDICTION_LOG.MODEL_NAME.eq(v.modelName()),
                                PREDICTION_LOG.VERSION_ID.eq(v.id()),
                                PREDICTION_LOG.CREATED_AT.ge(since.atOffset(ZoneOffset.UTC)))
                        .orderBy(PREDICTION_LOG.ID.desc())
                        .limit(maxRequests)
                        .fetchSize(500)
                        .fetchLazy()) {
            for (Record1<org.jooq.JSONB> r : cursor) {
                requests++;
                for (JsonNode row : Json.MAPPER.readTree(r.value1().data()).path("rows")) {
                    Map<String, Object> kept = new LinkedHashMap<>();
                    for (Column c : columns) {
                        JsonNode x = row.get(c.name());
                        Object value = x == null || x.isNull()
                                ? null
                                : x.isNumber() ? x.numberValue() : x.isBoolean() ? x.booleanValue() : x.asText();
                        // A boolean may have been sent as the data's text ("yes"): DuckDB's JSON reader takes only
                        // true/false.
                        if (c.type() == ColumnType.BOOLEAN && value != null)
                            value = Booleans.accepts(value) ? Booleans.of(value) : null;
                        kept.put(c.name(), value);
                    }
                    w.write(LINE.writeValueAsString(kept));
                    w.newLine();
                    rows++;
                }
            }
        }
        return new long[] {requests, rows};
    }

    private static String columnTypes(List<Column> columns) {
        List<String> defs = new ArrayList<>();
        for (Column c : columns)
            defs.add(literal(c.name()) + ": " + literal(c.type().duckDbType()));
        return String.join(", ", defs);
    }
}
