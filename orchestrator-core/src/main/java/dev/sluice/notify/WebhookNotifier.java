package dev.sluice.notify;

import dev.sluice.dag.Dag;
import dev.sluice.dag.Notifications;
import dev.sluice.dag.Notifications.Event;
import dev.sluice.engine.RunEvents;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.store.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs JSON to a webhook when a task fails for good ({@code task_failed}), will be retried ({@code task_retry}),
 * or a run fails ({@code run_failed}). Per DAG ({@code notifications:} in its file) or for all DAGs
 * ({@code SLUICE_WEBHOOK_URL}). Delivery happens on its own threads after the engine committed: a slow or broken
 * webhook is retried with backoff, then logged and dropped — it never delays or fails a run.
 */
public final class WebhookNotifier implements RunEvents, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);
    /** Deliveries waiting beyond this are dropped (logged): a dead webhook must not eat the heap. */
    private static final int MAX_PENDING = 10_000;

    private static final int ERROR_LINES = 20;

    private final WebhookConfig config;
    private final LongFunction<Dag> dagVersions;
    private final HttpClient http;
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(
            2, Thread.ofPlatform().daemon().name("sluice-webhook-", 0).factory());
    private final AtomicInteger pending = new AtomicInteger();

    /** @param dagVersions the DAG definition of a version id (e.g. {@code engine.graphs()::dag}) */
    public WebhookNotifier(WebhookConfig config, LongFunction<Dag> dagVersions) {
        this.config = config;
        this.dagVersions = dagVersions;
        // HTTP/1.1: no h2c upgrade dance with simple webhook receivers.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.timeout())
                .build();
    }

    @Override
    public void taskFinished(TaskFinished e) {
        Event event = e.state() == TaskState.FAILED
                ? Event.TASK_FAILED
                : e.state() == TaskState.UP_FOR_RETRY ? Event.TASK_RETRY : null;
        if (event == null) return;
        String url = urlFor(e.dagVersionId(), event);
        if (url == null) return;
        Map<String, Object> body =
                payload(event, e.dagId(), e.runId(), e.taskId(), e.tryNumber(), e.error(), e.logicalDate());
        send(url, body);
    }

    @Override
    public void runFinished(RunFinished e) {
        if (e.state() != RunState.FAILED) return;
        String url = urlFor(e.dagVersionId(), Event.RUN_FAILED);
        if (url == null) return;
        send(url, payload(Event.RUN_FAILED, e.dagId(), e.runId(), null, null, null, e.logicalDate()));
    }

    /** The URL to tell of this event for this DAG, or null when nobody asked for it. */
    private String urlFor(long dagVersionId, Event event) {
        Notifications n = dagVersions.apply(dagVersionId).notifications();
        String url = n.webhookUrl() != null ? n.webhookUrl() : config.globalUrl();
        return url != null && n.on().contains(event) ? url : null;
    }

    Map<String, Object> payload(
            Event event,
            String dagId,
            String runId,
            String taskId,
            Integer tryNumber,
            String error,
            java.time.Instant logicalDate) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", event.yamlName());
        m.put("dag_id", dagId);
        m.put("run_id", runId);
        m.put("task_id", taskId);
        m.put("try_number", tryNumber);
        m.put("error", firstLines(error));
        m.put("logical_date", logicalDate == null ? null : logicalDate.toString());
        String link = trimSlash(config.baseUrl()) + "/ui/#/dags/" + enc(dagId) + "/runs/" + enc(runId)
                + (taskId == null ? "" : "/tasks/" + enc(taskId));
        m.put("link", link);
        return m;
    }

    private void send(String url, Map<String, Object> body) {
        if (pending.incrementAndGet() > MAX_PENDING) {
            pending.decrementAndGet();
            log.warn(
                    "Dropping webhook {} for {}: {} deliveries already waiting",
                    body.get("event"),
                    body.get("dag_id"),
                    MAX_PENDING);
            return;
        }
        String json = Json.write(body);
        executor.execute(() -> attempt(url, json, body, 1));
    }

    private void attempt(String url, String json, Map<String, Object> body, int attempt) {
        String problem;
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url))
                    .timeout(config.timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "sluice-webhook")
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .build();
            HttpResponse<Void> resp = http.send(req, HttpResponse.BodyHandlers.discarding());
            if (resp.statusCode() / 100 == 2) {
                pending.decrementAndGet();
                return;
            }
            problem = "HTTP " + resp.statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.decrementAndGet();
            return;
        } catch (Exception e) {
            problem = e.toString();
        }
        if (attempt >= config.attempts()) {
            pending.decrementAndGet();
            log.warn(
                    "Webhook {} for DAG {} run {} to {} failed after {} tries: {}",
                    body.get("event"),
                    body.get("dag_id"),
                    body.get("run_id"),
                    url,
                    attempt,
                    problem);
            return;
        }
        long delay = config.backoff().toMillis() << Math.min(attempt - 1, 10);
        log.debug("Webhook to {} failed (try {}): {}; retrying in {} ms", url, attempt, problem, delay);
        try {
            executor.schedule(() -> attempt(url, json, body, attempt + 1), delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pending.decrementAndGet(); // shutting down
        }
    }

    private static String firstLines(String error) {
        if (error == null) return null;
        String[] lines = error.split("\n", ERROR_LINES + 1);
        if (lines.length <= ERROR_LINES) return error;
        return String.join("\n", java.util.Arrays.copyOf(lines, ERROR_LINES)) + "\n…";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String trimSlash(String s) {
        return s == null ? "" : s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** Waits briefly for deliveries in flight, then stops. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
