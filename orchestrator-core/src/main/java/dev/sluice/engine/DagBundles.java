package dev.sluice.engine;

import dev.sluice.dag.DagBundle;
import dev.sluice.dag.DagBundleFiles;
import dev.sluice.storage.ObjectStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The files of DAG versions in the object store: content-addressed under {@code dagfiles/sha256/ab/<hash>}, so a
 * script shared by a hundred versions is stored once. The DAG source uploads them before it stores the version (a
 * manifest never names a missing object); a worker materializes a version once into
 * {@code SLUICE_HOME/cache/dagfiles/<version_id>/}, which then is its tasks' DAG directory. Versions never change,
 * so a materialized directory never goes stale; it is built in a temporary directory and renamed into place, so
 * concurrent attempts of one version share it and none sees half of it. The cache is not bounded: it may be deleted
 * while no task runs on the node.
 */
public final class DagBundles {
    static final String PREFIX = "dagfiles/sha256/";

    private final ObjectStore store;
    private final Set<String> uploaded = ConcurrentHashMap.newKeySet();

    public DagBundles(ObjectStore store) {
        this.store = store;
    }

    /** SLUICE_DAG_BUNDLE_MAX_BYTES from the environment (a system property of the same name wins), else 50 MiB. */
    public static long maxBytesFromEnvironment() {
        String v = System.getProperty("SLUICE_DAG_BUNDLE_MAX_BYTES", System.getenv("SLUICE_DAG_BUNDLE_MAX_BYTES"));
        if (v == null || v.isBlank()) return DagBundleFiles.DEFAULT_MAX_BYTES;
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "SLUICE_DAG_BUNDLE_MAX_BYTES must be a number of bytes (0 or more), got \"" + v + "\"");
        }
    }

    static String keyOf(String sha256) {
        return PREFIX + sha256.substring(0, 2) + "/" + sha256;
    }

    /** Sends the files the store lacks. */
    public void upload(DagBundleFiles.Collected collected) throws IOException {
        for (DagBundle.File f : collected.bundle().files()) {
            if (uploaded.contains(f.sha256())) continue;
            String key = keyOf(f.sha256());
            if (store.stat(key).isEmpty()) {
                Path source = collected.sources().get(f.path());
                // The file may have changed since it was hashed: send only bytes that match the manifest.
                Path tmp = Files.createTempFile("sluice-dagfile-", ".tmp");
                try {
                    Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
                    if (!DagBundleFiles.sha256(tmp).equals(f.sha256())) {
                        throw new IOException(
                                f.path() + " changed while the DAG was being stored; the next sync retries");
                    }
                    store.put(key, tmp);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            uploaded.add(f.sha256());
        }
    }

    /** The directory holding exactly the version's files, made now if this node has not made it before. */
    public Path materialize(long versionId, List<DagBundle.File> files, Path cacheRoot) throws IOException {
        Path target = cacheRoot.resolve(Long.toString(versionId));
        if (Files.isDirectory(target)) return target;
        Files.createDirectories(cacheRoot);
        Path tmp = Files.createTempDirectory(cacheRoot, ".v" + versionId + "-");
        try {
            for (DagBundle.File f : files) {
                Path dest = tmp.resolve(f.path()).normalize();
                if (!dest.startsWith(tmp) || dest.equals(tmp)) {
                    throw new IOException("DAG version " + versionId + " names a file outside its folder: " + f.path());
                }
                Files.createDirectories(dest.getParent());
                try {
                    store.download(keyOf(f.sha256()), dest);
                } catch (FileNotFoundException e) {
                    throw new IOException(
                            "DAG version " + versionId + ": file " + f.path() + " (sha256:" + f.sha256()
                                    + ") is missing from the store " + store.url(),
                            e);
                }
                if (!DagBundleFiles.sha256(dest).equals(f.sha256())) {
                    throw new IOException("DAG version " + versionId + ": file " + f.path() + " in the store "
                            + store.url() + " does not match its hash");
                }
                if (f.executable()) dest.toFile().setExecutable(true, false);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(target)) throw e;
                // another attempt of the same version made it first: the same files, keep theirs
            }
        } finally {
            deleteTree(tmp);
        }
        return target;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }
}
