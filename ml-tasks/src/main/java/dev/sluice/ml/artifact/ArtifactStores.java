package dev.sluice.ml.artifact;

import dev.sluice.storage.LocalObjectStore;
import dev.sluice.storage.ObjectStore;
import java.nio.file.Path;

/** The artifact store over the configured object store ({@code SLUICE_STORE_URL}). */
public final class ArtifactStores {
    private ArtifactStores() {}

    /**
     * The store a task uses: one the engine offers as such (tests), else the configured object store the engine
     * offers ({@code SLUICE_STORE_URL}), else {@code SLUICE_HOME/artifacts}. Every task type that reads or writes
     * artifacts should get its store here, so that workers on other machines see the same artifacts.
     */
    public static ArtifactStore of(dev.sluice.task.TaskContext ctx) {
        return ctx.service(ArtifactStore.class)
                .or(() -> ctx.service(ObjectStore.class).map(s -> of(s, ctx.home())))
                .orElseGet(() -> LocalArtifactStore.inHome(ctx.home()));
    }

    /**
     * A local store (the default, rooted at SLUICE_HOME, or a shared directory) keeps artifacts as files in place:
     * {@code <root>/artifacts/sha256/ab/<hash>}, exactly the layout of homes made before object stores, read where
     * they lie with no cache or copy. Any other store downloads into {@code <home>/cache/artifacts}.
     */
    public static ArtifactStore of(ObjectStore store, Path home) {
        if (store instanceof LocalObjectStore local)
            return new LocalArtifactStore(local.root().resolve("artifacts"));
        return new ObjectArtifactStore(store, home.resolve("cache").resolve("artifacts"));
    }
}
