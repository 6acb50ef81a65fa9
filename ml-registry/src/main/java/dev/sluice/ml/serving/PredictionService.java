package dev.sluice.ml.serving;

import static dev.sluice.ml.registry.db.jooq.Tables.PREDICTION_LOG;

import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.model.ClassProbabilities;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.LoadedModel;
import dev.sluice.ml.onnx.ClosedModelException;
import dev.sluice.ml.onnx.OnnxInputException;
import dev.sluice.ml.registry.ModelRegistry;
import dev.sluice.ml.registry.ModelVersion;
import dev.sluice.ml.transform.UnseenCategoryException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Online predictions from registered models, applying exactly the stored transform. Loaded models are cached by
 * version id and immutable; each request resolves its alias once and keeps that model to the end, so moving
 * {@code champion} swaps models atomically for new requests while requests in flight finish on the old one.
 * A sample of requests (rate 0..1) is written to {@code prediction_log}.
 */
public final class PredictionService {
    private final ModelRegistry registry;
    private final ArtifactStore store;
    private final DSLContext db;
    private final double sampleRate;
    private final RandomGenerator random;
    private final Map<Long, LoadedModel> cache = new ConcurrentHashMap<>();

    public PredictionService(
            ModelRegistry registry, ArtifactStore store, DataSource ds, double sampleRate, RandomGenerator random) {
        if (sampleRate < 0 || sampleRate > 1) throw new IllegalArgumentException("sample rate must be in [0, 1]");
        this.registry = registry;
        this.store = store;
        this.db = DSL.using(ds, SQLDialect.POSTGRES);
        this.sampleRate = sampleRate;
        this.random = random;
    }

    public PredictionResult predict(String modelName, String aliasOrVersion, List<Map<String, Object>> rows) {
        ModelVersion v = registry.resolve(modelName, aliasOrVersion);
        LoadedModel m = cache.computeIfAbsent(v.id(), id -> load(v));
        InputSchemaCheck.check(m.bundle().inputSchema(), m.droppedNames(), rows);
        double[] scores;
        try {
            scores = m.score(rows);
        } catch (UnseenCategoryException e) {
            throw new InvalidInputException(failingRow(m, rows), e.column(), e.getMessage());
        } catch (OnnxInputException e) {
            throw new InvalidInputException(e.row(), e.column(), e.reason());
        } catch (ClosedModelException e) {
            // Evicted (and closed) between the cache lookup and the call: load it again for this request.
            m = cache.computeIfAbsent(v.id(), id -> load(v));
            scores = m.score(rows);
        }
        List<Prediction> out = predictions(m, scores);
        PredictionResult result =
                new PredictionResult(modelName, v.version(), m.bundle().problem(), out);
        if (sampleRate > 0 && sampled()) log(v, rows, out);
        return result;
    }

    private static List<Prediction> predictions(LoadedModel m, double[] scores) {
        List<Prediction> out = new ArrayList<>();
        switch (m.bundle().problem()) {
            case CLASSIFICATION -> {
                Label label = m.bundle().label();
                for (double s : scores) out.add(new Prediction(label.predicted(s >= 0.5), s, s >= 0.5 ? 1 : 0, null));
            }
            case MULTICLASS -> {
                Label label = m.bundle().label();
                ClassProbabilities p = m.classProbabilities(scores);
                for (int i = 0; i < p.rows(); i++) {
                    int c = p.predicted(i);
                    out.add(new Prediction(label.value(p.classes().get(c)), p.get(i, c), c, p.row(i)));
                }
            }
            case REGRESSION -> {
                for (double s : scores) out.add(new Prediction(null, null, s, null));
            }
        }
        return out;
    }

    /** The generator may not be thread-safe (SplittableRandom); requests arrive on many threads. */
    private boolean sampled() {
        synchronized (random) {
            return random.nextDouble() < sampleRate;
        }
    }

    /** Number of model versions currently loaded; old versions stay until {@link #evict}. */
    public int loadedVersions() {
        return cache.size();
    }

    /** Drops a loaded version, e.g. one no alias points at any more, freeing what it holds (an ONNX session). */
    public void evict(long versionId) {
        LoadedModel m = cache.remove(versionId);
        if (m != null) m.close();
    }

    /** Error path only: which row the transform refuses. */
    private static int failingRow(LoadedModel m, List<Map<String, Object>> rows) {
        for (int i = 0; i < rows.size(); i++) {
            try {
                m.transform().apply(rows.get(i));
            } catch (UnseenCategoryException e) {
                return i;
            }
        }
        return -1;
    }

    private LoadedModel load(ModelVersion v) {
        try {
            return LoadedModel.load(store, v.bundleRef());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + v.modelName() + " version " + v.version(), e);
        }
    }

    private void log(ModelVersion v, List<Map<String, Object>> rows, List<Prediction> out) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("rows", rows);
        db.insertInto(PREDICTION_LOG)
                .set(PREDICTION_LOG.MODEL_NAME, v.modelName())
                .set(PREDICTION_LOG.VERSION_ID, v.id())
                .set(PREDICTION_LOG.PAYLOAD, JSONB.valueOf(Json.write(payload)))
                .set(PREDICTION_LOG.OUTPUT, JSONB.valueOf(Json.write(Map.of("predictions", out))))
                .execute();
    }
}
