package dev.sluice.ml.artifact;

import dev.sluice.storage.LocalObjectStore;
import dev.sluice.storage.ObjectStore;
import java.nio.file.Path;

/** The artifact store over the configured object store ({@code SLUICE_STORE_URL}). */
public final class ArtifactStores {
    private ArtifactStores() {}

    /**
     * A local store (the default, rooted at SLUICE_HOME, or a shared directory) keeps artifacts as files in place:
     * {@code <root>/artifacts/sha256/ab/<hash>}, exactly the layout of homes made before object stores, read where
     * they lie with no cache or copy. Any other store downloads into {@code <home>/cache/artifacts}.
     */
    public static ArtifactStore of(ObjectStore store, Path home) {
        if (store instanceof LocalObjectStore local) return new LocalArtifactStore(local.root().resolve("artifacts"));
        return new ObjectArtifactStore(store, home.resolve("cache").resolve("artifacts"));
    }
}
