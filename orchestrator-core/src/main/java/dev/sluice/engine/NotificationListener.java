package dev.sluice.engine;

import dev.sluice.store.Database;
import java.sql.Connection;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Holds a LISTEN connection and wakes the worker on each notification; reconnects after a failure. */
public final class NotificationListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);

    private final Database db;
    private final String channel;
    private final Runnable onNotify;
    private volatile boolean running = true;
    private Thread thread;

    public NotificationListener(Database db, String channel, Runnable onNotify) {
        this.db = db;
        this.channel = channel;
        this.onNotify = onNotify;
    }

    public void start() {
        thread = Thread.ofPlatform().daemon().name("sluice-listen").start(this::loop);
    }

    private void loop() {
        while (running) {
            try (Connection conn = db.openDedicatedConnection();
                    Statement st = conn.createStatement()) {
                // channel is a constant of ours, not input
                st.execute("LISTEN " + channel);
                PGConnection pg = conn.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] n = pg.getNotifications(500);
                    if (n != null && n.length > 0) onNotify.run();
                }
            } catch (Exception e) {
                if (!running) return;
                log.warn("LISTEN connection failed, reconnecting in 1s (polling meanwhile): {}", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
