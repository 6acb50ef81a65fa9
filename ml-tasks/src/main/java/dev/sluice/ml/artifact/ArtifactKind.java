package dev.sluice.ml.artifact;

import java.util.Locale;

/** What an artifact holds; stored as text in {@code artifact.kind}. */
public enum ArtifactKind {
    DATASET,
    TRANSFORM,
    MODEL,
    BUNDLE,
    REPORT,
    STATS,
    QUARANTINE;

    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
