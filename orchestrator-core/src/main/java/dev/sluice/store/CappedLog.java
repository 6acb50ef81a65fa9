package dev.sluice.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One attempt's log file with a size cap ({@code SLUICE_LOG_MAX_BYTES}). The task's process output and the lines a
 * task type writes through {@code TaskContext.log()} both come here, so both count. At the cap one line says where
 * and why the log was cut; everything after is counted and dropped, and writes keep returning at once, so a pump
 * that drains a process's pipe never makes the process block. The file is created on the first write (most no-op
 * tasks never log) and written unbuffered, so a reader tailing it sees each write.
 */
public final class CappedLog extends OutputStream {
    private final Path file;
    private final long cap;
    private final LogStats stats;
    private OutputStream out;
    private long size;
    private boolean cut;
    private boolean lastWasNewline = true;
    private boolean closed;

    public CappedLog(Path file, long cap, LogStats stats) {
        if (cap < 1) throw new IllegalArgumentException("SLUICE_LOG_MAX_BYTES must be at least 1, got " + cap);
        this.file = file;
        this.cap = cap;
        this.stats = stats;
    }

    /** The line written where the log was cut. */
    public static String marker(long cap) {
        return "[sluice] log cut at " + cap + " bytes (SLUICE_LOG_MAX_BYTES); further output discarded\n";
    }

    public Path file() {
        return file;
    }

    /** Bytes in the file so far (what this log wrote, marker included). */
    public synchronized long size() {
        return size;
    }

    /** Whether the cap has been reached. */
    public synchronized boolean isCut() {
        return cut;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        // After the attempt has ended, a straggler's output (a background child before the group's SIGKILL) is dropped.
        if (len <= 0 || closed) return;
        if (cut) {
            stats.cut(len);
            return;
        }
        OutputStream o = out();
        long room = cap - size;
        if (len <= room) {
            o.write(b, off, len);
            size += len;
            stats.wrote(len);
            lastWasNewline = b[off + len - 1] == '\n';
            return;
        }
        int keep = (int) Math.max(0, room);
        if (keep > 0) {
            o.write(b, off, keep);
            lastWasNewline = b[off + keep - 1] == '\n';
        }
        byte[] line = ((lastWasNewline ? "" : "\n") + marker(cap)).getBytes(StandardCharsets.UTF_8);
        o.write(line);
        size += keep + line.length;
        stats.wrote(keep + line.length);
        stats.cut(len - keep);
        cut = true;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    private OutputStream out() throws IOException {
        if (out == null) {
            Files.createDirectories(file.getParent());
            // A retried attempt on the same node never reuses a file (the try number is in its name); appending
            // keeps what an earlier writer of this attempt (e.g. a restarted pump) left.
            size = Files.exists(file) ? Files.size(file) : 0;
            out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        return out;
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            if (out != null) out.close();
        } catch (IOException ignored) {
            // unbuffered: everything written is in the file already
        }
        out = null;
    }
}
