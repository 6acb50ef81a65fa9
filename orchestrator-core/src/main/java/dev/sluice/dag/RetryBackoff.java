package dev.sluice.dag;

public enum RetryBackoff {
    FIXED,
    EXPONENTIAL;

    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static RetryBackoff fromYaml(String s) {
        for (RetryBackoff b : values()) if (b.yamlName().equals(s)) return b;
        return null;
    }
}
