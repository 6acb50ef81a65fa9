package dev.sluice.dag;

public enum RetryBackoff {
    FIXED, EXPONENTIAL;

    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
