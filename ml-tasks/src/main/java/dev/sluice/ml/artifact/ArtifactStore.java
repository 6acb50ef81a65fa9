package dev.sluice.ml.artifact;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where data moves between tasks: immutable, content-addressed files. The local directory implementation is the
 * only one today; an object-storage one (S3, GCS) would upload in {@link #put} and download to a local cache in
 * {@link #localPath}, since DuckDB and XGBoost want local files.
 */
public interface ArtifactStore {

    /** A fresh scratch file path to write a new artifact into before {@link #put}. */
    Path newTempFile(String suffix) throws IOException;

    /** Moves {@code file} into the store under its sha-256 and returns the artifact. Same bytes, same artifact. */
    Artifact put(Path file, ArtifactKind kind, String mediaType) throws IOException;

    /** A readable local file with the artifact's bytes. Fails with a clear message for an unknown reference. */
    Path localPath(String ref) throws IOException;

    boolean contains(String ref);
}
