package dev.sluice.ml.model;

/**
 * Solves the symmetric positive definite systems of the linear models (a Newton step, the ridge normal
 * equations). Plain loops in a fixed order: the same matrix gives the same bits on every machine.
 */
final class Cholesky {
    /** A pivot is never taken below this: a constant column would otherwise divide by zero. */
    static final double MIN_PIVOT = 1e-12;

    private Cholesky() {}

    /** The lower factor L (n×n, row-major) of {@code a}, whose lower triangle is read. */
    static double[] lower(double[] a, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                if (i == j) {
                    l[i * n + i] = Math.sqrt(Math.max(s, MIN_PIVOT));
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        return l;
    }

    /** x with L·Lᵀ·x = b. */
    static double[] solve(double[] l, double[] b, int n) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i * n + k] * y[k];
            y[i] = s / l[i * n + i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
            x[i] = s / l[i * n + i];
        }
        return x;
    }
}
