package dev.sluice.dag;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Finds the files of a DAG's bundle: the DAG file's folder tree, without hidden files and folders (".git", ".venv")
 * and without the DAG files in it (the DAG's own text is stored as the version's source). As in {@link DagFolder}, a symbolic link is followed only to a regular
 * file inside the DAG folder, never to a directory or out of the folder; FIFOs, sockets and devices are skipped.
 * The whole bundle is capped ({@code SLUICE_DAG_BUNDLE_MAX_BYTES}, 50 MiB by default): a bigger one is an import
 * error naming the biggest files, since every version stores them. Hashes are remembered by size and modification
 * time, so the sync that runs every few seconds reads only what changed.
 */
public final class DagBundleFiles {
    public static final long DEFAULT_MAX_BYTES = 50L << 20;

    private final Path root;
    private final long maxBytes;
    private final Map<Path, Hashed> hashes = new HashMap<>();

    /** @param root the DAG folder: links may point anywhere inside it */
    public DagBundleFiles(Path root, long maxBytes) {
        if (maxBytes < 0)
            throw new IllegalArgumentException("SLUICE_DAG_BUNDLE_MAX_BYTES must be 0 or more, got " + maxBytes);
        this.root = root;
        this.maxBytes = maxBytes;
    }

    /** The bundle and, for each of its paths, the local file to read its bytes from. */
    public record Collected(DagBundle bundle, Map<String, Path> sources) {}

    /** The bundle is over the limit: the message names the biggest files and the setting. */
    public static final class TooBig extends Exception {
        TooBig(String message) {
            super(message, null, false, false);
        }
    }

    private record Found(String path, Path abs, Path file, long size, FileTime modified, Object key) {}

    private record Hashed(long size, FileTime modified, Object key, String sha256, boolean executable) {}

    /**
     * @param dagFile  the DAG file whose folder is bundled
     * @param dagFiles every DAG file of the folder (loaded or broken): they belong to their own versions
     */
    public Collected collect(Path dagFile, Set<Path> dagFiles) throws IOException, TooBig {
        return scan(dagFiles).collect(dagFile);
    }

    /**
     * One sync pass's view of the folder: each directory is walked once however many DAG files share it (a folder
     * of 1,000 DAG files would otherwise be listed 1,000 times per pass).
     *
     * @param dagFiles every DAG file of the folder (loaded or broken): they belong to their own versions
     */
    public Scan scan(Set<Path> dagFiles) {
        Set<Path> skip = new java.util.HashSet<>();
        for (Path p : dagFiles) skip.add(p.toAbsolutePath().normalize());
        return new Scan(skip);
    }

    /** See {@link #scan}. */
    public final class Scan {
        private final Set<Path> skip;
        private final Map<Path, List<Found>> walked = new HashMap<>();
        private Path realRoot;

        private Scan(Set<Path> skip) {
            this.skip = skip;
        }

        public Collected collect(Path dagFile) throws IOException, TooBig {
            synchronized (DagBundleFiles.this) {
                if (realRoot == null) realRoot = root.toRealPath();
                Path self = dagFile.toAbsolutePath().normalize();
                Path dir = self.getParent();
                List<Found> inDir = walked.get(dir);
                if (inDir == null) {
                    inDir = new ArrayList<>();
                    walk(dir, dir, realRoot, skip, inDir);
                    walked.put(dir, inDir);
                }
                // The DAG file itself too: its text is the version's source already, and a comment edit must not
                // make a version.
                List<Found> found =
                        inDir.stream().filter(f -> !f.abs().equals(self)).toList();
                return bundle(dir, found);
            }
        }
    }

    private Collected bundle(Path dir, List<Found> found) throws IOException, TooBig {
        long total = found.stream().mapToLong(Found::size).sum();
        if (total > maxBytes) {
            List<String> biggest = found.stream()
                    .sorted(Comparator.comparingLong(Found::size).reversed())
                    .limit(3)
                    .map(f -> f.path() + " (" + f.size() + " bytes)")
                    .toList();
            throw new TooBig("the files beside this DAG file (its folder " + dir + ") are " + total + " bytes, over the"
                    + " limit of " + maxBytes + " bytes for a DAG bundle (SLUICE_DAG_BUNDLE_MAX_BYTES); biggest: "
                    + String.join(", ", biggest) + ". Move data out of the DAG's folder, or into a hidden folder");
        }
        List<DagBundle.File> files = new ArrayList<>();
        Map<String, Path> sources = new LinkedHashMap<>();
        for (Found f : found) {
            Hashed h = hashes.get(f.file());
            if (h == null
                    || h.size() != f.size()
                    || !h.modified().equals(f.modified())
                    || !Objects.equals(h.key(), f.key())) {
                h = new Hashed(f.size(), f.modified(), f.key(), sha256(f.file()), executable(f.file()));
                hashes.put(f.file(), h);
            }
            files.add(new DagBundle.File(f.path(), h.sha256(), f.size(), h.executable()));
            sources.put(f.path(), f.file());
        }
        return new Collected(new DagBundle(files), sources);
    }

    private void walk(Path folder, Path dir, Path realRoot, Set<Path> skip, List<Found> out) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder)) {
            stream.forEach(entries::add);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Collections.sort(entries);
        for (Path p : entries) {
            String name = Objects.toString(p.getFileName(), "");
            if (name.startsWith(".")) continue;
            BasicFileAttributes own;
            try {
                own = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                continue; // deleted while we listed
            }
            if (own.isDirectory()) {
                walk(p, dir, realRoot, skip, out);
                continue;
            }
            Path abs = p.toAbsolutePath().normalize();
            if (skip.contains(abs)) continue;
            Path file = p;
            BasicFileAttributes a = own;
            if (own.isSymbolicLink()) {
                try {
                    Path target = p.toRealPath();
                    if (!target.startsWith(realRoot)) continue;
                    a = Files.readAttributes(target, BasicFileAttributes.class);
                    file = target;
                } catch (IOException dangling) {
                    continue;
                }
            }
            if (!a.isRegularFile()) continue;
            String rel = dir.relativize(p).toString().replace(java.io.File.separatorChar, '/');
            out.add(new Found(rel, abs, file, a.size(), a.lastModifiedTime(), a.fileKey()));
        }
    }

    private static boolean executable(Path file) {
        try {
            return Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_EXECUTE);
        } catch (UnsupportedOperationException | IOException e) {
            return Files.isExecutable(file);
        }
    }

    /** The sha-256 of a file's bytes, in hex. */
    public static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
