package dev.sluice.ml.artifact;

import dev.sluice.storage.ObjectStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Artifacts in an object store shared by every node (S3 and friends), under the same keys as the local layout:
 * {@code artifacts/sha256/ab/<hash>}. DuckDB and XGBoost read local files, so {@link #localPath} downloads into a
 * read cache ({@code SLUICE_HOME/cache/artifacts/sha256/ab/<hash>}): each download goes to its own temporary file,
 * is checked against the hash and renamed into place, so two attempts fetching one ref at once both end with the
 * same complete file and a reader never sees a part. Artifacts are immutable, so a cached file never goes stale.
 * The cache is not bounded: it holds what this node's tasks have read or written, and may be deleted whole while
 * no task runs on the node (it is refilled from the store on demand).
 */
public final class ObjectArtifactStore implements ArtifactStore {
    static final String PREFIX = "artifacts/sha256/";

    private final ObjectStore store;
    private final Path cache;

    /** @param cache the node's read cache, e.g. {@code SLUICE_HOME/cache/artifacts} */
    public ObjectArtifactStore(ObjectStore store, Path cache) {
        this.store = store;
        this.cache = cache.toAbsolutePath();
    }

    public static String keyOf(String hash) {
        return PREFIX + hash.substring(0, 2) + "/" + hash;
    }

    @Override
    public Path newTempFile(String suffix) throws IOException {
        // In the cache's file system, so that put can move the written file into the cache without a copy.
        Path tmp = Files.createDirectories(cache.resolve("tmp"));
        Path f = Files.createTempFile(tmp, "a-", suffix);
        Files.delete(f); // only the unique name is wanted: the writer creates the file
        return f;
    }

    @Override
    public Artifact put(Path file, ArtifactKind kind, String mediaType) throws IOException {
        String hash = LocalArtifactStore.sha256(file);
        long bytes = Files.size(file);
        String key = keyOf(hash);
        // Same bytes, same key: an object that is there already is the same artifact, so there is nothing to send.
        if (store.stat(key).isEmpty()) store.put(key, file);
        // The writer is likely to be read next on this node (the next task of the run): keep the bytes cached.
        moveIntoCache(file, cached(hash));
        return new Artifact(hash, kind, mediaType, bytes, store.url() + key);
    }

    @Override
    public Path localPath(String ref) throws IOException {
        String hash = Artifact.hashOf(ref);
        Path target = cached(hash);
        if (Files.isRegularFile(target)) return target;
        Path tmp = Files.createDirectories(cache.resolve("tmp"));
        Path part = Files.createTempFile(tmp, "get-", ".part");
        try {
            try {
                store.download(keyOf(hash), part);
            } catch (FileNotFoundException e) {
                throw new NoSuchFileException(keyOf(hash), null, "no artifact " + ref + " in the store " + store.url());
            }
            String got = LocalArtifactStore.sha256(part);
            if (!got.equals(hash)) {
                throw new IOException(
                        "artifact " + ref + " in the store " + store.url() + " has other bytes (sha256:" + got + ")");
            }
            moveIntoCache(part, target);
        } finally {
            Files.deleteIfExists(part);
        }
        return target;
    }

    @Override
    public boolean contains(String ref) {
        try {
            return store.stat(keyOf(Artifact.hashOf(ref))).isPresent();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot reach the artifact store " + store.url(), e);
        }
    }

    /** The cache directory of this node. */
    public Path cache() {
        return cache;
    }

    private Path cached(String hash) {
        return cache.resolve("sha256").resolve(hash.substring(0, 2)).resolve(hash);
    }

    /** Renames {@code file} to {@code target} unless another attempt got there first (same bytes: theirs is kept). */
    private static void moveIntoCache(Path file, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            Files.deleteIfExists(file);
            return;
        }
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(file);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
        target.toFile().setReadOnly();
    }
}
