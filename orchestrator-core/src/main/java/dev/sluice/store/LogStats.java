package dev.sluice.store;

import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's attempt-log counters: bytes written to logs and bytes cut by the size cap. Plain counters so that
 * core needs no metrics library; the server binds them to its registry.
 */
public final class LogStats {
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong cut = new AtomicLong();

    public long bytesWritten() {
        return written.get();
    }

    public long bytesCut() {
        return cut.get();
    }

    void wrote(long n) {
        written.addAndGet(n);
    }

    void cut(long n) {
        cut.addAndGet(n);
    }
}
