package dev.sluice.ml.python;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Python SDK ({@code clients/python/src}, copied into this jar under {@code sluice-sdk/} at build time) as a
 * directory a task process can import from: extracted once per content hash to {@code SLUICE_HOME/sdk/<hash>/}, so
 * a new Sluice version never imports an old SDK and concurrent attempts never see a half-written one.
 */
final class SdkFiles {
    /** The SDK's files, relative to {@code clients/python/src}; SdkFilesTest checks the list against that folder. */
    static final List<String> FILES = List.of("sluice/__init__.py", "sluice/exports.py");

    private static final String ROOT = "sluice-sdk/";

    private static volatile Map<String, byte[]> contents;

    private SdkFiles() {}

    static Map<String, byte[]> contents() {
        Map<String, byte[]> c = contents;
        if (c != null) return c;
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String f : FILES) {
            try (InputStream in = SdkFiles.class.getClassLoader().getResourceAsStream(ROOT + f)) {
                if (in == null)
                    throw new IllegalStateException(
                            "the Python SDK file " + f + " is missing from the ml-tasks jar (" + ROOT + f + ")");
                out.put(f, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        contents = Map.copyOf(out);
        return contents;
    }

    /** The first 16 hex digits of the sha-256 over the SDK's file names and bytes. */
    static String hash() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String f : FILES) {
                md.update(f.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(contents().get(f));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The directory to put on {@code PYTHONPATH}: {@code home/sdk/<hash>}, extracted if not there yet. */
    static Path extract(Path home) throws IOException {
        Path target = home.resolve("sdk").resolve(hash());
        if (Files.isDirectory(target)) return target;
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempDirectory(target.getParent(), ".extract-");
        try {
            for (Map.Entry<String, byte[]> e : contents().entrySet()) {
                Path f = tmp.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                Files.write(f, e.getValue());
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException raced) {
                // Another attempt extracted the same content first: same hash, same bytes.
                if (!Files.isDirectory(target)) throw raced;
            }
        } finally {
            deleteTree(tmp);
        }
        return target;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
