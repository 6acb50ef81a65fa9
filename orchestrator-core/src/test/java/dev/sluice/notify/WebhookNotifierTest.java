package dev.sluice.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.dag.DagBuilder;
import dev.sluice.dag.Notifications.Event;
import dev.sluice.engine.Engine;
import dev.sluice.run.RunState;
import dev.sluice.store.Json;
import dev.sluice.testing.EngineHarness;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Webhooks received by a local HTTP server; a broken webhook does not hurt the run. */
class WebhookNotifierTest {
    static EngineHarness h;
    static Engine engine;
    static WebhookNotifier notifier;
    static HttpServer server;
    static final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();
    static final AtomicInteger brokenCalls = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            received.add(Json.map(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.createContext("/broken", ex -> {
            brokenCalls.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        server.start();
        h = new EngineHarness();
        engine = h.engine();
        var config = new WebhookConfig(null, "http://sluice.example/", Duration.ofSeconds(2), 3, Duration.ofMillis(50));
        notifier = new WebhookNotifier(config, engine.graphs()::dag);
        engine.onEvents(notifier);
    }

    @AfterAll
    static void stop() {
        notifier.close();
        h.close();
        server.stop(0);
    }

    static String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Test
    void a_failing_task_posts_retry_failure_and_run_failure() throws Exception {
        h.save(
                engine,
                DagBuilder.dag("hooked")
                        .notifications(url("/hook"), Event.TASK_FAILED, Event.TASK_RETRY, Event.RUN_FAILED)
                        .task(
                                "boom",
                                "scripted",
                                t -> t.retries(1).retryDelay("50ms").config("fail_attempts", 9))
                        .build(h.types));
        long run = h.trigger(engine, "hooked", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> received.stream()
                                .filter(m -> "hooked".equals(m.get("dag_id")))
                                .count()
                        == 3);
        var events =
                received.stream().filter(m -> "hooked".equals(m.get("dag_id"))).toList();
        assertThat(events)
                .extracting(m -> m.get("event"))
                .containsExactlyInAnyOrder("task_retry", "task_failed", "run_failed");
        var failed = events.stream()
                .filter(m -> m.get("event").equals("task_failed"))
                .findFirst()
                .orElseThrow();
        assertThat(failed).containsEntry("task_id", "boom").containsEntry("try_number", 2);
        assertThat((String) failed.get("error")).contains("scripted failure on attempt 2");
        String runId = (String) failed.get("run_id");
        assertThat(runId).startsWith("manual__");
        assertThat(failed.get("logical_date")).isEqualTo(runId.substring("manual__".length()));
        assertThat((String) failed.get("link"))
                .startsWith("http://sluice.example/ui/#/dags/hooked/runs/manual__")
                .endsWith("/tasks/boom");
    }

    @Test
    void a_failing_webhook_is_retried_then_dropped_and_the_run_still_succeeds() throws Exception {
        h.save(
                engine,
                DagBuilder.dag("hook_broken")
                        .notifications(url("/broken"), Event.TASK_RETRY)
                        .task(
                                "flaky",
                                "scripted",
                                t -> t.retries(1).retryDelay("50ms").config("fail_attempts", 1))
                        .build(h.types));
        long run = h.trigger(engine, "hook_broken", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.SUCCESS);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(brokenCalls.get()).isEqualTo(3));
    }

    @Test
    void a_dag_without_a_url_and_no_global_url_posts_nothing() throws Exception {
        h.save(
                engine,
                DagBuilder.dag("quiet")
                        .task("boom", "scripted", t -> t.config("fail_attempts", 1))
                        .build(h.types));
        long run = h.trigger(engine, "quiet", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(20))).isEqualTo(RunState.FAILED);
        await().pollDelay(Duration.ofMillis(300)).until(() -> true);
        assertThat(received).noneMatch(m -> "quiet".equals(m.get("dag_id")));
    }
}
