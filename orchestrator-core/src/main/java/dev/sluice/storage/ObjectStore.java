package dev.sluice.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where artifacts, attempt logs and the files that travel with a DAG version live: a local directory (one machine)
 * or an S3-compatible bucket (any number of machines). Keys are relative, '/'-separated paths checked by
 * {@link ObjectKeys}; an object is written whole or not at all, so a reader never sees half an object.
 * Like MLflow's artifact repositories: the location stays out of the code that reads and writes.
 */
public interface ObjectStore extends AutoCloseable {

    /** Where this store is, as configured (file:///… or s3://bucket/prefix); no credentials. */
    String url();

    /** Stores a file's bytes under {@code key}, replacing what was there. */
    void put(String key, Path file) throws IOException;

    void put(String key, byte[] bytes) throws IOException;

    /** The object's size and time, or empty when there is none. */
    Optional<ObjectInfo> stat(String key) throws IOException;

    /** Reads from {@code offset} to the end; {@link java.io.FileNotFoundException} when there is no such object. */
    InputStream open(String key, long offset) throws IOException;

    /** Copies the object into {@code target} (replaced atomically); FileNotFoundException when missing. */
    void download(String key, Path target) throws IOException;

    /** Objects whose key starts with {@code prefix}, in key order. */
    List<ObjectInfo> list(String prefix) throws IOException;

    /** Deletes the object; no error when there is none. */
    void delete(String key) throws IOException;

    /** Deletes every object under {@code prefix}; returns how many. */
    default int deleteAll(String prefix) throws IOException {
        List<ObjectInfo> all = list(prefix);
        for (ObjectInfo o : all) delete(o.key());
        return all.size();
    }

    default byte[] readAll(String key) throws IOException {
        try (InputStream in = open(key, 0)) {
            return in.readAllBytes();
        }
    }

    @Override
    default void close() {}
}
