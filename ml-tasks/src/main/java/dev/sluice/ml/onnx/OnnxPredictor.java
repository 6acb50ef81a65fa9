package dev.sluice.ml.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sluice.ml.data.Booleans;
import dev.sluice.ml.model.Label;
import dev.sluice.ml.model.ModelBundle;
import dev.sluice.ml.model.Predictor;
import dev.sluice.ml.model.Problem;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An ONNX model of a bundle, scored by ONNX Runtime on raw rows: the graph holds its own preprocessing, so rows go
 * in as callers send them, by the graph's declared inputs ({@link OnnxSignature}). One session per loaded model;
 * ONNX Runtime's {@code run} is safe to call from many threads at once, so requests share it. {@link #close} frees
 * the native session once the calls under way have finished; a call after that gets a {@link ClosedModelException}.
 *
 * <p>What a row becomes: a string input gets the text ({@code ""} for null, so train with missing text filled by
 * {@code ""}); a float or double input the number (NaN for null, which tree models route as missing; true/false as
 * 1/0); an int64 or int32 input a whole number, null refused. Scores follow {@link Predictor#predict}: P(positive
 * class) for binary, one probability per class in the label's class order for multiclass, the value for regression.
 */
public final class OnnxPredictor implements Predictor, AutoCloseable {
    private static final OrtEnvironment ENV = createEnvironment();

    /**
     * ONNX Runtime's environment, created on a thread of its own with an 8 MiB stack. Its native set-up recurses
     * deeply in proportion to the process's command line (a 13 KB class path gave ~11,900 frames in gdb) and
     * overflowed a 1 MiB task thread's stack: a SIGSEGV of the whole JVM with no Java stack trace. The environment
     * is one per process, so the first model loaded decides; this way it no longer depends on who loads it.
     */
    private static OrtEnvironment createEnvironment() {
        // Not a lambda: a lambda's body is a method of this class, which the new thread could not run before this
        // class's initialisation (waiting for that thread) completes.
        EnvironmentCreation creation = new EnvironmentCreation();
        Thread t = new Thread(null, creation, "sluice-onnx-environment", 8L << 20);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (creation.environment != null) return creation.environment;
        if (creation.failure instanceof Error e) throw e;
        throw new IllegalStateException("ONNX Runtime could not start", creation.failure);
    }

    /** Creates the environment on the thread that runs it; read after that thread is joined. */
    private static final class EnvironmentCreation implements Runnable {
        OrtEnvironment environment;
        Throwable failure;

        @Override
        public void run() {
            try {
                environment = OrtEnvironment.getEnvironment();
            } catch (Throwable e) {
                failure = e;
            }
        }
    }

    private final byte[] bytes;
    private final OrtSession session;
    private final OnnxSignature signature;
    private final Problem problem;
    /** For each of the label's classes (binary: positive only), its column in the graph's probabilities. */
    private final int[] columns;

    private final List<String> outputClasses;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private OnnxPredictor(byte[] bytes, OrtSession session, OnnxSignature signature, ModelBundle bundle) {
        this.bytes = bytes;
        this.session = session;
        this.signature = signature;
        this.problem = bundle.problem();
        this.outputClasses = bundle.outputClasses();
        Label label = bundle.label();
        this.columns = switch (problem) {
            case CLASSIFICATION -> new int[] {outputClasses.indexOf(label.positiveClass())};
            case MULTICLASS ->
                label.classes().stream().mapToInt(outputClasses::indexOf).toArray();
            case REGRESSION -> new int[0];
        };
    }

    /**
     * Opens a session on the graph and checks it against the bundle (inputs against the input schema, the output
     * against the problem and classes): an {@link IllegalArgumentException} says what disagrees.
     */
    public static OnnxPredictor load(byte[] bytes, ModelBundle bundle) {
        if (bundle.problem() != Problem.REGRESSION && bundle.outputClasses() == null)
            throw new IllegalArgumentException("an ONNX classifier's bundle must list its output classes");
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // One thread per call: serving's parallelism comes from concurrent requests, as for XGBoost.
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            session = ENV.createSession(bytes, options);
        } catch (OrtException e) {
            throw new IllegalArgumentException("not a model ONNX Runtime can load: " + e.getMessage(), e);
        }
        try {
            OnnxSignature signature =
                    OnnxSignature.of(session, bundle.inputSchema(), bundle.problem(), bundle.outputClasses());
            return new OnnxPredictor(bytes, session, signature, bundle);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session);
            if (e instanceof IllegalArgumentException iae) throw iae;
            throw new IllegalArgumentException("cannot read the ONNX model's inputs and outputs: " + e.getMessage(), e);
        }
    }

    /** Scores raw rows (input column → value); see the class comment for what each value becomes. */
    public double[] score(List<Map<String, Object>> rows) {
        if (rows.isEmpty()) return new double[0];
        lock.readLock().lock();
        try {
            if (closed) throw new ClosedModelException("this ONNX model was closed");
            Map<String, OnnxTensor> feed = new LinkedHashMap<>();
            try {
                if (signature.matrix()) {
                    OnnxSignature.Input in = signature.inputs().get(0);
                    feed.put(in.name(), matrix(in, signature.matrixColumns(), rows));
                } else {
                    for (OnnxSignature.Input in : signature.inputs()) feed.put(in.name(), column(in, rows));
                }
                try (OrtSession.Result result =
                        session.run(feed, Set.of(signature.output().name()))) {
                    return read(result.get(0), rows.size());
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        } catch (OrtException e) {
            throw new IllegalStateException(
                    "ONNX Runtime failed to score " + rows.size() + " rows: " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Not for ONNX models: their input is raw rows ({@link #score}), not a feature matrix. */
    @Override
    public double[] predict(float[] rowMajor, int rows, int cols) {
        throw new UnsupportedOperationException("an ONNX model scores raw rows (LoadedModel.score), not features");
    }

    @Override
    public byte[] bytes() {
        return Arrays.copyOf(bytes, bytes.length);
    }

    /** Frees the native session after the calls under way; idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                closeQuietly(session);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException ignored) {
            // nothing left to free that a second close would
        }
    }

    private static OnnxTensor column(OnnxSignature.Input in, List<Map<String, Object>> rows) throws OrtException {
        int n = rows.size();
        long[] shape = in.rank() == 2 ? new long[] {n, 1} : new long[] {n};
        String name = in.name();
        switch (in.type()) {
            case STRING -> {
                String[] v = new String[n];
                for (int i = 0; i < n; i++) {
                    Object x = rows.get(i).get(name);
                    v[i] = x == null ? "" : x.toString();
                }
                return OnnxTensor.createTensor(ENV, v, shape);
            }
            case FLOAT -> {
                FloatBuffer b = FloatBuffer.allocate(n);
                for (int i = 0; i < n; i++) b.put((float) number(rows.get(i).get(name), i, name));
                return OnnxTensor.createTensor(ENV, b.flip(), shape);
            }
            case DOUBLE -> {
                DoubleBuffer b = DoubleBuffer.allocate(n);
                for (int i = 0; i < n; i++) b.put(number(rows.get(i).get(name), i, name));
                return OnnxTensor.createTensor(ENV, b.flip(), shape);
            }
            case INT64 -> {
                LongBuffer b = LongBuffer.allocate(n);
                for (int i = 0; i < n; i++) b.put(whole(rows.get(i).get(name), i, name));
                return OnnxTensor.createTensor(ENV, b.flip(), shape);
            }
            case INT32 -> {
                IntBuffer b = IntBuffer.allocate(n);
                for (int i = 0; i < n; i++)
                    b.put(Math.toIntExact(whole(rows.get(i).get(name), i, name)));
                return OnnxTensor.createTensor(ENV, b.flip(), shape);
            }
            case BOOL -> {
                ByteBuffer b = ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder());
                for (int i = 0; i < n; i++) {
                    Object x = rows.get(i).get(name);
                    if (x == null || !Booleans.accepts(x))
                        throw new OnnxInputException(
                                i, name, "expected a boolean (the model's input is a bool tensor), got " + x);
                    b.put((byte) (Booleans.of(x) ? 1 : 0));
                }
                return OnnxTensor.createTensor(ENV, b.flip(), shape, OnnxJavaType.BOOL);
            }
            default -> throw new IllegalStateException("unsupported input type " + in.type()); // refused at load
        }
    }

    private static OnnxTensor matrix(OnnxSignature.Input in, List<String> columns, List<Map<String, Object>> rows)
            throws OrtException {
        int n = rows.size();
        int k = columns.size();
        long[] shape = {n, k};
        if (in.type() == OnnxJavaType.DOUBLE) {
            DoubleBuffer b = DoubleBuffer.allocate(n * k);
            for (int i = 0; i < n; i++)
                for (String c : columns) b.put(number(rows.get(i).get(c), i, c));
            return OnnxTensor.createTensor(ENV, b.flip(), shape);
        }
        FloatBuffer b = FloatBuffer.allocate(n * k);
        for (int i = 0; i < n; i++)
            for (String c : columns) b.put((float) number(rows.get(i).get(c), i, c));
        return OnnxTensor.createTensor(ENV, b.flip(), shape);
    }

    private static double number(Object x, int row, String column) {
        if (x == null) return Double.NaN;
        if (x instanceof Number v) return v.doubleValue();
        if (x instanceof Boolean v) return v ? 1 : 0;
        if (Booleans.accepts(x)) return Booleans.of(x) ? 1 : 0;
        throw new OnnxInputException(row, column, "expected a number, got \"" + x + "\"");
    }

    private static long whole(Object x, int row, String column) {
        if (x == null)
            throw new OnnxInputException(
                    row, column, "missing: this model's input is an integer tensor, which has no missing value");
        double d = number(x, row, column);
        if (d != Math.rint(d) || Double.isInfinite(d) || Math.abs(d) > 9.0e15)
            throw new OnnxInputException(row, column, "expected a whole number, got " + x);
        return (long) d;
    }

    private double[] read(OnnxValue value, int rows) throws OrtException {
        if (signature.output().zipMap()) return readZipMap((OnnxSequence) value, rows);
        OnnxTensor t = (OnnxTensor) value;
        double[] flat;
        if (t.getInfo().type == OnnxJavaType.DOUBLE) {
            DoubleBuffer b = t.getDoubleBuffer();
            flat = new double[b.remaining()];
            b.get(flat);
        } else {
            FloatBuffer b = t.getFloatBuffer();
            flat = new double[b.remaining()];
            for (int i = 0; i < flat.length; i++) flat[i] = b.get(i);
        }
        if (flat.length % rows != 0)
            throw new IllegalStateException("the ONNX output has " + flat.length + " values for " + rows + " rows");
        int width = flat.length / rows;
        if (problem == Problem.REGRESSION) {
            if (width != 1) throw new IllegalStateException("the ONNX output has " + width + " values per row");
            return flat;
        }
        if (problem == Problem.CLASSIFICATION && width == 1) return flat; // a single column is P(positive)
        if (width != outputClasses.size())
            throw new IllegalStateException("the ONNX output has " + width + " probabilities per row for "
                    + outputClasses.size() + " classes " + outputClasses);
        double[] out = new double[rows * columns.length];
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < columns.length; c++) out[i * columns.length + c] = flat[i * width + columns[c]];
        return out;
    }

    /** skl2onnx's ZipMap output: per row a map class → probability; the classes as the graph names them. */
    private double[] readZipMap(OnnxSequence seq, int rows) throws OrtException {
        List<? extends OnnxValue> maps = seq.getValue();
        if (maps.size() != rows)
            throw new IllegalStateException("the ONNX output has " + maps.size() + " maps for " + rows + " rows");
        double[] out = new double[rows * columns.length];
        for (int i = 0; i < rows; i++) {
            Map<String, Double> byClass = new HashMap<>();
            ((OnnxMap) maps.get(i))
                    .getValue()
                    .forEach((k, v) -> byClass.put(Label.className(k), ((Number) v).doubleValue()));
            for (int c = 0; c < columns.length; c++) {
                String cls = outputClasses.get(columns[c]);
                Double p = byClass.get(cls);
                if (p == null)
                    throw new IllegalStateException(
                            "the ONNX model's probabilities name classes " + byClass.keySet() + ", not " + cls);
                out[i * columns.length + c] = p;
            }
        }
        return out;
    }
}
