package dev.sluice.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where attempt logs live: {@code SLUICE_HOME/logs/DAG/RUN/TASK/attempt-N.log}. Reading by byte offset lets a
 * client tail a log while the task still writes it.
 */
public final class LogStore {
    private final Path root;

    public LogStore(Path home) {
        this.root = home.resolve("logs");
    }

    public Path path(String dagId, String runId, String taskId, int tryNumber) {
        return root.resolve(safe(dagId)).resolve(safe(runId)).resolve(safe(taskId)).resolve("attempt-" + tryNumber + ".log");
    }

    /** Keeps ids usable as file names (run ids hold ':' and '+'). */
    static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
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
}
