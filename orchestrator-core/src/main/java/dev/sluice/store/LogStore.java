package dev.sluice.store;

import dev.sluice.storage.ObjectInfo;
import dev.sluice.storage.ObjectStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Where attempt logs live. The node that runs an attempt writes {@code SLUICE_HOME/logs/DAG/RUN/TASK/attempt-N.log}.
 * With an object store shared by several nodes, the same relative path is the log's key there: while the attempt
 * runs, its new bytes go up as numbered parts ({@code KEY.parts/part-00000001}, ...), and when it ends the whole
 * log becomes one object and the parts are deleted. Reading by byte offset lets a client tail a log while the task
 * still writes it, on any node.
 */
public final class LogStore {
    private final Path root;
    private final ObjectStore store;

    public LogStore(Path home) {
        this(home, null);
    }

    /** @param store where logs are shared between nodes; null: they stay on the node that wrote them */
    public LogStore(Path home, ObjectStore store) {
        this.root = home.resolve("logs");
        this.store = store;
    }

    public Path path(String dagId, String runId, String taskId, int tryNumber) {
        return root.resolve(safe(dagId))
                .resolve(safe(runId))
                .resolve(safe(taskId))
                .resolve("attempt-" + tryNumber + ".log");
    }

    /**
     * An attempt of one instance of a mapped task ({@code mapIndex} 0 or more): {@code .../TASK/map-3/attempt-N.log},
     * so the instances' logs never mix; -1 (an unmapped task) is the plain path.
     */
    public Path path(String dagId, String runId, String taskId, int mapIndex, int tryNumber) {
        Path task = root.resolve(safe(dagId)).resolve(safe(runId)).resolve(safe(taskId));
        if (mapIndex >= 0) task = task.resolve("map-" + mapIndex);
        return task.resolve("attempt-" + tryNumber + ".log");
    }

    /** The log's key in the object store. */
    public static String key(String dagId, String runId, String taskId, int tryNumber) {
        return key(dagId, runId, taskId, -1, tryNumber);
    }

    /** The key of an attempt of one mapped instance ({@code mapIndex} -1: an unmapped task), as {@link #path}. */
    public static String key(String dagId, String runId, String taskId, int mapIndex, int tryNumber) {
        return "logs/" + safe(dagId) + "/" + safe(runId) + "/" + safe(taskId) + "/"
                + (mapIndex >= 0 ? "map-" + mapIndex + "/" : "") + "attempt-" + tryNumber + ".log";
    }

    static String partsPrefix(String key) {
        return key + ".parts/";
    }

    static String partKey(String key, int n) {
        return partsPrefix(key) + String.format("part-%08d", n);
    }

    /** The shared store, if logs are shared. */
    public Optional<ObjectStore> store() {
        return Optional.ofNullable(store);
    }

    public Path root() {
        return root;
    }

    /** Keeps ids usable as file names (run ids hold ':' and '+'). */
    private static final java.util.regex.Pattern UNSAFE = java.util.regex.Pattern.compile("[^A-Za-z0-9._-]");

    static String safe(String s) {
        return UNSAFE.matcher(s).replaceAll("_");
    }

    public record Chunk(String text, long nextOffset, boolean exists) {}

    /** Up to {@code maxBytes} from {@code offset}; a missing file reads as empty (the task has not logged yet). */
    public static Chunk read(Path file, long offset, int maxBytes) throws IOException {
        if (file == null || !Files.exists(file)) return new Chunk("", offset, false);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            if (offset >= len) return new Chunk("", len, true);
            int n = (int) Math.min(maxBytes, len - offset);
            byte[] buf = new byte[n];
            f.seek(offset);
            f.readFully(buf);
            return new Chunk(new String(buf, StandardCharsets.UTF_8), offset + n, true);
        }
    }

    /** A log as one node sees it: its bytes from an offset, and how many there are so far. */
    public record Shared(Chunk chunk, long size) {}

    /**
     * Up to {@code maxBytes} from {@code offset} of a log in the shared store: the complete object once the attempt
     * has ended, else the parts uploaded so far. Empty when the store holds nothing (yet) or logs are not shared.
     */
    public Shared readShared(String key, long offset, int maxBytes) throws IOException {
        if (store == null) return new Shared(new Chunk("", offset, false), 0);
        List<ObjectInfo> pieces = pieces(key);
        long size = 0;
        for (ObjectInfo p : pieces) size += p.size();
        if (pieces.isEmpty()) return new Shared(new Chunk("", offset, false), 0);
        if (offset >= size) return new Shared(new Chunk("", size, true), size);
        byte[] buf = new byte[(int) Math.min(maxBytes, size - offset)];
        int filled = 0;
        long start = 0;
        try {
            for (ObjectInfo p : pieces) {
                long end = start + p.size();
                if (filled < buf.length && offset + filled < end) {
                    try (InputStream in = store.open(p.key(), offset + filled - start)) {
                        int want = (int) Math.min(buf.length - filled, end - (offset + filled));
                        filled += in.readNBytes(buf, filled, want);
                    }
                }
                start = end;
            }
        } catch (FileNotFoundException e) {
            // The attempt ended between the listing and the read: its parts became one object. Read that next time.
            return new Shared(new Chunk("", offset, true), size);
        }
        return new Shared(new Chunk(new String(buf, 0, filled, StandardCharsets.UTF_8), offset + filled, true), size);
    }

    /** The whole shared log as a stream, or empty when the store holds none of it. */
    public Optional<InputStream> openShared(String key) throws IOException {
        if (store == null) return Optional.empty();
        List<ObjectInfo> pieces = pieces(key);
        if (pieces.isEmpty()) return Optional.empty();
        List<InputStream> streams = new ArrayList<>();
        for (ObjectInfo p : pieces) streams.add(store.open(p.key(), 0));
        return Optional.of(new SequenceInputStream(Collections.enumeration(streams)));
    }

    /** The complete object if there is one, else the parts in order. */
    private List<ObjectInfo> pieces(String key) throws IOException {
        Optional<ObjectInfo> whole = store.stat(key);
        if (whole.isPresent()) return List.of(whole.get());
        return store.list(partsPrefix(key));
    }

    /** Deletes a log: the shared object and parts, and this node's file. */
    public void delete(String key, Path localFile) throws IOException {
        if (store != null) {
            store.delete(key);
            store.deleteAll(partsPrefix(key));
        }
        if (localFile != null) Files.deleteIfExists(localFile);
    }

    /** Ships one running attempt's log to the shared store as it grows. */
    public Upload upload(String key, Path file) {
        return new Upload(key, file);
    }

    /**
     * The new bytes of a growing log go up as numbered parts, so a reader on another node sees the log grow without
     * any object being rewritten; at the end the whole file replaces them. Called from one thread at a time.
     */
    public final class Upload {
        private final String key;
        private final Path file;
        private long shipped;
        private int parts;
        private boolean finished;

        Upload(String key, Path file) {
            this.key = key;
            this.file = file;
        }

        /** Uploads what was written since the last call as the next part. */
        public synchronized void ship() throws IOException {
            if (store == null || finished || !Files.exists(file)) return;
            long size = Files.size(file);
            if (size <= shipped) return;
            byte[] buf = new byte[(int) Math.min(Integer.MAX_VALUE - 16, size - shipped)];
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                f.seek(shipped);
                f.readFully(buf);
            }
            // Numbered only once stored: a failed upload is retried as the same part, so parts stay contiguous.
            store.put(partKey(key, parts + 1), buf);
            parts++;
            shipped += buf.length;
        }

        /** The attempt has ended and its log is closed: one object for the whole log, and no parts. */
        public synchronized void finish() throws IOException {
            if (store == null || finished) return;
            finished = true;
            if (Files.exists(file)) store.put(key, file);
            if (parts > 0) store.deleteAll(partsPrefix(key));
        }
    }
}
