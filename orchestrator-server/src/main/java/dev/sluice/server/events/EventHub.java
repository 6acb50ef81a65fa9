package dev.sluice.server.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.server.http.ApiJson;
import dev.sluice.store.Database;
import io.javalin.http.sse.SseClient;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live events for dashboards. Triggers in the schema (V10) announce every task, run and pause change on channel
 * {@code sluice_events} (task changes as one array per statement, V50), and the deadline checker announces each
 * missed deadline there ({@code deadline}); one LISTEN connection per server turns them into events, keeps the last
 * {@link #BUFFER} for replay after a reconnect (Last-Event-ID), and pushes them to every connected SSE client. The engine is not
 * involved, and events from every server's engine arrive, because the database sends them.
 */
public final class EventHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventHub.class);
    public static final String CHANNEL = "sluice_events";
    public static final int BUFFER = 10_000;

    private final Database db;
    private final String boot = Long.toString(System.currentTimeMillis(), 36);
    private final ArrayDeque<LiveEvent> recent = new ArrayDeque<>();
    private final List<SseClient> clients = new CopyOnWriteArrayList<>();
    private final List<Consumer<JsonNode>> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean listening;
    private long seq;

    public EventHub(Database db) {
        this.db = db;
        this.thread = Thread.ofPlatform().daemon().name("sluice-events").unstarted(this::loop);
    }

    public EventHub start() {
        thread.start();
        return this;
    }

    /** True once the LISTEN is in place (tests wait for it before causing events). */
    public boolean listening() {
        return listening;
    }

    /** Raw notifications, with the timing fields the metrics read. */
    public void onNotification(Consumer<JsonNode> listener) {
        listeners.add(listener);
    }

    private void loop() {
        long backoff = 250;
        while (running) {
            try (Connection c = db.openDedicatedConnection();
                    Statement st = c.createStatement()) {
                st.execute("LISTEN " + CHANNEL);
                listening = true;
                backoff = 250;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] batch = pg.getNotifications(500);
                    if (batch == null) continue;
                    for (PGNotification n : batch) dispatch(n.getParameter());
                }
            } catch (Exception e) {
                listening = false;
                if (!running) return;
                log.warn("Event listener lost its connection ({}); retrying in {} ms", e.toString(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    /**
     * One notification: an event object, or an array of them (task events are sent per statement, V50, so one
     * notification may carry a whole batch's state changes).
     */
    void dispatch(String payload) {
        JsonNode n;
        try {
            n = ApiJson.MAPPER.readTree(payload);
        } catch (Exception e) {
            log.warn("Unreadable event payload: {}", e.toString());
            return;
        }
        if (n.isArray()) {
            for (JsonNode each : n) dispatchEvent(each);
        } else {
            dispatchEvent(n);
        }
    }

    private void dispatchEvent(JsonNode n) {
        for (var l : listeners) {
            try {
                l.accept(n);
            } catch (Exception e) {
                log.warn("Event listener failed: {}", e.toString());
            }
        }
        String kind = n.path("kind").asText();
        Object data = switch (kind) {
            case "task" ->
                new LiveEvent.TaskEvent(
                        n.path("dag_id").asText(),
                        n.path("run_id").asText(null),
                        n.path("task_id").asText(),
                        n.path("state").asText(),
                        n.path("try_number").asInt());
            case "run" ->
                new LiveEvent.RunEvent(
                        n.path("dag_id").asText(),
                        n.path("run_id").asText(),
                        n.path("state").asText());
            case "dag" ->
                new LiveEvent.DagEvent(
                        n.path("dag_id").asText(), n.path("is_paused").asBoolean());
            case "deadline" ->
                new LiveEvent.DeadlineEvent(
                        n.path("dag_id").asText(),
                        n.path("run_id").asText(),
                        n.path("task_id").isNull() ? null : n.path("task_id").asText(),
                        n.path("due_at").asText());
            default -> null;
        };
        if (data == null) return;
        LiveEvent ev;
        synchronized (recent) {
            ev = new LiveEvent(boot + "-" + (++seq), seq, kind, data);
            recent.addLast(ev);
            if (recent.size() > BUFFER) recent.removeFirst();
        }
        for (SseClient c : clients) send(c, ev);
    }

    /** Registers a client, first replaying what it missed when its Last-Event-ID is still in the buffer. */
    public void connect(SseClient client) {
        client.keepAlive();
        client.onClose(() -> clients.remove(client));
        String last = client.ctx().header("Last-Event-ID");
        List<LiveEvent> missed = List.of();
        synchronized (recent) {
            // Added under the lock so no event falls between the replay and the live stream.
            if (last != null && last.startsWith(boot + "-")) {
                try {
                    long after = Long.parseLong(last.substring(boot.length() + 1));
                    missed = recent.stream().filter(e -> e.seq() > after).toList();
                } catch (NumberFormatException ignored) {
                    // not one of ours: the client refetches
                }
            }
            for (LiveEvent e : missed) send(client, e);
            clients.add(client);
        }
        client.sendComment("connected");
    }

    /** Keeps idle connections open through proxies and finds clients that went away. */
    public void heartbeat() {
        for (SseClient c : clients) {
            c.sendComment("ping");
            if (c.terminated()) clients.remove(c);
        }
    }

    public int clientCount() {
        return clients.size();
    }

    private static void send(SseClient c, LiveEvent e) {
        try {
            c.sendEvent(e.event(), ApiJson.MAPPER.writeValueAsString(e.data()), e.id());
        } catch (Exception ex) {
            // A client that cannot be written to has gone; onClose removes it.
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        for (SseClient c : clients) c.close();
    }
}
