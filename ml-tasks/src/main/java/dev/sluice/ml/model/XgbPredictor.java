package dev.sluice.ml.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/** Gradient boosted trees from XGBoost; bytes are the UBJSON model format. */
public final class XgbPredictor implements Predictor {
    private final Booster booster;
    private final byte[] bytes;

    private XgbPredictor(Booster booster, byte[] bytes) {
        this.booster = booster;
        this.bytes = bytes;
    }

    public static XgbPredictor load(byte[] bytes) {
        try {
            Booster b = XGBoost.loadModel(bytes);
            // One thread per prediction call: serving parallelism comes from concurrent requests.
            b.setParam("nthread", 1);
            return new XgbPredictor(b, bytes);
        } catch (XGBoostError e) {
            throw new IllegalStateException("cannot load XGBoost model: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static XgbPredictor of(Booster booster) throws XGBoostError {
        return new XgbPredictor(booster, booster.toByteArray("ubj"));
    }

    @Override
    public double[] predict(float[] rowMajor, int rows, int cols) {
        if (rows == 0) return new double[0];
        try {
            float[][] p;
            // A Booster handle is not documented as safe for concurrent predict calls; serialise per model.
            synchronized (booster) {
                DMatrix m = new DMatrix(rowMajor, rows, cols, Float.NaN);
                try {
                    p = booster.predict(m);
                } finally {
                    m.dispose();
                }
            }
            int width = p[0].length;
            double[] out = new double[rows * width];
            for (int i = 0; i < rows; i++) for (int j = 0; j < width; j++) out[i * width + j] = p[i][j];
            return out;
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost prediction failed: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] bytes() {
        return Arrays.copyOf(bytes, bytes.length);
    }
}
