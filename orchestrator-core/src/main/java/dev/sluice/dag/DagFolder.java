package dev.sluice.dag;

import dev.sluice.task.TaskTypeRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The "DAG bag": every {@code *.yaml} / {@code *.yml} file under a folder, parsed. A broken file becomes an import
 * error and never stops the others from loading.
 *
 * <p>What is read, and what is an import error instead:
 * <ul>
 *   <li>regular files up to {@link DagFileLimits#maxFileBytes()}, in UTF-8 (a NUL byte or invalid UTF-8 is a
 *       binary file);
 *   <li>symbolic links to files inside the folder; a link leading outside it is not followed (it would put any
 *       readable file's text into the import errors), nor is a link to a directory;
 *   <li>a FIFO, socket or device with a DAG file name is never opened: reading a FIFO blocks until someone writes.
 * </ul>
 * An instance remembers each file's parse by its size and modification time, so the folder sync, which runs every
 * few seconds, parses only what changed.
 */
public final class DagFolder {
    private final Path dir;
    private final YamlDagParser parser;
    private final DagFileLimits limits;
    private final Map<Path, Cached> cache = new HashMap<>();

    public DagFolder(Path dir, TaskTypeRegistry registry, DagFileLimits limits) {
        this.dir = dir;
        this.parser = new YamlDagParser(registry, limits);
        this.limits = limits;
    }

    /** A DAG with where it came from; {@code source} is kept so the exact text can be stored and shown. */
    public record LoadedDag(Dag dag, Path file, String source, int idLine) {
        public LoadedDag(Dag dag, Path file, String source) {
            this(dag, file, source, 1);
        }
    }

    /** Loaded DAGs by id, and each broken file's errors. */
    public record LoadResult(Map<String, LoadedDag> dags, Map<Path, List<DagError>> importErrors) {
        public LoadResult {
            dags = Collections.unmodifiableMap(new TreeMap<>(dags));
            importErrors = Collections.unmodifiableMap(new TreeMap<>(importErrors));
        }
    }

    /** One pass over a folder with the default limits, remembering nothing. */
    public static LoadResult load(Path dir, TaskTypeRegistry registry) {
        return new DagFolder(dir, registry, DagFileLimits.DEFAULT).load();
    }

    public Path dir() {
        return dir;
    }

    /** Reads the folder; files unchanged since the last call are not parsed again. */
    public synchronized LoadResult load() {
        Path root = realRoot();
        Map<Path, List<DagError>> importErrors = new HashMap<>();
        List<Candidate> candidates = new ArrayList<>();
        walk(dir, root, candidates, importErrors);
        candidates.sort((a, b) -> a.file().compareTo(b.file()));

        Map<Path, Cached> seen = new HashMap<>();
        Map<String, List<Parsed>> byId = new LinkedHashMap<>();
        for (Candidate c : candidates) {
            Cached cached = cache.get(c.file());
            if (cached == null || !cached.stamp().equals(c.stamp())) cached = new Cached(c.stamp(), read(c));
            seen.put(c.file(), cached);
            Outcome o = cached.outcome();
            if (o.errors() != null) importErrors.put(c.file(), o.errors());
            else
                byId.computeIfAbsent(o.loaded().dag().id(), k -> new ArrayList<>())
                        .add(new Parsed(o.loaded()));
        }
        cache.keySet().retainAll(seen.keySet());
        cache.putAll(seen);

        Map<String, LoadedDag> dags = new HashMap<>();
        for (Map.Entry<String, List<Parsed>> e : byId.entrySet()) {
            List<Parsed> claims = e.getValue();
            if (claims.size() == 1) {
                dags.put(e.getKey(), claims.get(0).loaded());
                continue;
            }
            // Neither wins: picking one by file order would make which DAG runs depend on directory listing order.
            for (Parsed claim : claims) {
                List<String> others = claims.stream()
                        .filter(c -> c != claim)
                        .map(c -> c.loaded().file().toString())
                        .toList();
                Path file = claim.loaded().file();
                importErrors.put(
                        file,
                        List.of(new DagError(
                                file.toString(),
                                claim.loaded().idLine(),
                                "id",
                                "DAG id '" + e.getKey() + "' is also declared in " + String.join(", ", others))));
            }
        }
        return new LoadResult(dags, importErrors);
    }

    private record Parsed(LoadedDag loaded) {}

    /** A DAG file to read: {@code target} is the file itself, or what a symbolic link inside the folder names. */
    private record Candidate(Path file, Path target, Stamp stamp) {}

    /** What tells an edited file from an unchanged one without reading it. */
    private record Stamp(Path target, Object fileKey, long size, FileTime modified) {}

    /** Either a DAG or the file's errors. */
    private record Outcome(LoadedDag loaded, List<DagError> errors) {}

    private record Cached(Stamp stamp, Outcome outcome) {}

    private Path realRoot() {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list DAG folder " + dir, e);
        }
    }

    /**
     * Collects the DAG files under {@code folder}, sorted per directory so the result does not depend on the file
     * system's listing order. An unreadable subfolder is an import error, not the end of the sync.
     */
    private void walk(Path folder, Path root, List<Candidate> out, Map<Path, List<DagError>> errors) {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder)) {
            stream.forEach(entries::add);
        } catch (IOException | UncheckedIOException e) {
            if (folder.equals(dir)) throw new UncheckedIOException("cannot list DAG folder " + dir, asIo(e));
            errors.put(folder, List.of(problem(folder, "cannot list this folder: " + e.getMessage())));
            return;
        }
        Collections.sort(entries);
        for (Path p : entries) {
            BasicFileAttributes own;
            try {
                own = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                continue; // deleted while we listed
            }
            if (own.isDirectory()) {
                walk(p, root, out, errors);
                continue;
            }
            if (!isDagFileName(p)) continue;
            if (own.isSymbolicLink()) {
                link(p, root, out, errors);
            } else if (own.isRegularFile()) {
                out.add(new Candidate(p, p, stamp(p, own)));
            } else {
                errors.put(p, List.of(problem(p, "is not a regular file (a FIFO, socket or device): not read")));
            }
        }
    }

    private void link(Path link, Path root, List<Candidate> out, Map<Path, List<DagError>> errors) {
        Path target;
        BasicFileAttributes attrs;
        try {
            target = link.toRealPath();
            attrs = Files.readAttributes(target, BasicFileAttributes.class);
        } catch (IOException e) {
            errors.put(link, List.of(problem(link, "is a symbolic link to a file that does not exist")));
            return;
        }
        if (!target.startsWith(root)) {
            errors.put(
                    link,
                    List.of(
                            problem(
                                    link,
                                    "is a symbolic link to a file outside the DAG folder: not followed (links are followed only within it)")));
        } else if (attrs.isRegularFile()) {
            out.add(new Candidate(link, target, stamp(target, attrs)));
        } else {
            errors.put(
                    link,
                    List.of(problem(link, "is a symbolic link to something that is not a regular file: not read")));
        }
    }

    private static Stamp stamp(Path target, BasicFileAttributes a) {
        return new Stamp(target, a.fileKey(), a.size(), a.lastModifiedTime());
    }

    private Outcome read(Candidate c) {
        Path file = c.file();
        String text;
        try {
            text = text(c);
        } catch (Unreadable e) {
            return new Outcome(null, List.of(problem(file, e.getMessage())));
        }
        Map<String, Integer> lines = new HashMap<>();
        try {
            Dag dag = parser.parse(text, file.toString(), lines);
            return new Outcome(new LoadedDag(dag, file, text, lines.getOrDefault("id", 1)), null);
        } catch (DagValidationException e) {
            return new Outcome(null, e.errors());
        }
    }

    /** The file's text, refusing what is too big, binary or not UTF-8. */
    private String text(Candidate c) throws Unreadable {
        long max = limits.maxFileBytes();
        if (c.stamp().size() > max) throw tooBig(c.stamp().size() + " bytes", max);
        byte[] bytes;
        // at most one byte more than allowed: a file that grew since it was listed is still refused, not read whole
        try (InputStream in = Files.newInputStream(c.target())) {
            bytes = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
        } catch (IOException e) {
            throw new Unreadable("cannot read: " + e);
        }
        if (bytes.length > max) throw tooBig("more than " + max + " bytes", max);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) throw new Unreadable("is a binary file (a NUL byte at offset " + i + "), not YAML text");
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new Unreadable("is not UTF-8 text (a binary file?): " + e.getMessage());
        }
    }

    private static Unreadable tooBig(String size, long max) {
        return new Unreadable("is " + size + ", over the limit of " + max
                + " bytes for a DAG file (SLUICE_DAG_FILE_MAX_BYTES raises it)");
    }

    private static boolean isDagFileName(Path p) {
        String name = Objects.toString(p.getFileName(), "");
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    private static DagError problem(Path file, String message) {
        return new DagError(file.toString(), 0, "file", message);
    }

    private static IOException asIo(Exception e) {
        return e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
    }

    private static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message, null, false, false);
        }
    }
}
