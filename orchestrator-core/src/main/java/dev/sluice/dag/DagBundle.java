package dev.sluice.dag;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The files that travel with a DAG version (Airflow 3 calls it a DAG bundle): every file of the DAG file's folder
 * tree, by path relative to that folder, with the sha-256 of its bytes. Two versions with the same definition but
 * an edited script are different versions: {@link #digest()} takes part in the version's identity.
 */
public record DagBundle(List<File> files) {
    /** One file: '/'-separated relative path, content hash, size, and whether it may be run as a program. */
    public record File(String path, String sha256, long size, boolean executable) {}

    public DagBundle {
        files = files.stream().sorted(Comparator.comparing(File::path)).toList();
    }

    public long bytes() {
        return files.stream().mapToLong(File::size).sum();
    }

    /** A hash of the whole manifest: paths, contents and executable bits. */
    public String digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (File f : files) {
                md.update((f.path() + "\0" + f.sha256() + "\0" + (f.executable() ? "x" : "-") + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
