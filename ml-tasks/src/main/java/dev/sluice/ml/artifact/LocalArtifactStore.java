package dev.sluice.ml.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Artifacts as files under {@code SLUICE_HOME/artifacts/sha256/ab/abcdef...}. Writers fill a temp file in the same
 * file system and move it into place atomically, so readers never see a half-written artifact and two attempts
 * producing the same bytes simply agree.
 */
public final class LocalArtifactStore implements ArtifactStore {
    private final Path root;

    public LocalArtifactStore(Path root) {
        this.root = root;
    }

    /** The store of a Sluice installation: {@code <home>/artifacts}. */
    public static LocalArtifactStore inHome(Path home) {
        return new LocalArtifactStore(home.resolve("artifacts"));
    }

    public Path root() {
        return root;
    }

    @Override
    public Path newTempFile(String suffix) throws IOException {
        Path tmp = root.resolve("tmp");
        Files.createDirectories(tmp);
        Path f = Files.createTempFile(tmp, "a-", suffix);
        // Only the unique name is wanted: the writer (DuckDB COPY, Jackson...) creates the file.
        Files.delete(f);
        return f;
    }

    @Override
    public Artifact put(Path file, ArtifactKind kind, String mediaType) throws IOException {
        String hash = sha256(file);
        Path target = pathOf(hash);
        Files.createDirectories(target.getParent());
        long bytes = Files.size(file);
        if (Files.exists(target)) {
            Files.deleteIfExists(file);
        } else {
            try {
                Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                Files.deleteIfExists(file); // a concurrent writer of the same bytes won
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(file, target);
            }
            target.toFile().setReadOnly();
        }
        return new Artifact(hash, kind, mediaType, bytes, target.toUri().toString());
    }

    @Override
    public Path localPath(String ref) throws IOException {
        Path p = pathOf(Artifact.hashOf(ref));
        if (!Files.isRegularFile(p))
            throw new NoSuchFileException(p.toString(), null, "no artifact " + ref + " in the store");
        return p;
    }

    @Override
    public boolean contains(String ref) {
        return Files.isRegularFile(pathOf(Artifact.hashOf(ref)));
    }

    private Path pathOf(String hash) {
        return root.resolve("sha256").resolve(hash.substring(0, 2)).resolve(hash);
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
                in.transferTo(OutputStreamNull.INSTANCE);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
