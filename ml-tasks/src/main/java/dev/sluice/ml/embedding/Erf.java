package dev.sluice.ml.embedding;

/**
 * The error function to double precision, which the JDK lacks. For |x| < 6 the series
 * erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) has positive terms only (no cancellation) and converges
 * for every x; beyond 6, erf(x) is ±1 to double precision.
 */
final class Erf {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    private Erf() {}

    static double erf(double x) {
        double ax = Math.abs(x);
        if (ax >= 6.0) return Math.signum(x);
        double z = ax * ax;
        double term = ax;
        double sum = ax;
        for (int n = 1; n < 200; n++) {
            term *= 2 * z / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        double r = TWO_OVER_SQRT_PI * Math.exp(-z) * sum;
        return x < 0 ? -r : r;
    }
}
