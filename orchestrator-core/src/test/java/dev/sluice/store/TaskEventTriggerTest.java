package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.dag.TaskDef;
import dev.sluice.engine.Engine;
import dev.sluice.testing.EngineHarness;
import dev.sluice.testing.TestDags;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * The live-event trigger on task instances (V50): one statement's state changes arrive as JSON arrays of event
 * objects, each notification under PostgreSQL's 8,000-byte payload limit, with one event per changed row and none for
 * rows whose state did not change.
 */
class TaskEventTriggerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static EngineHarness h;
    static Engine engine;

    @BeforeAll
    static void start() throws Exception {
        h = new EngineHarness();
        engine = h.engine();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void a_statement_changing_600_tasks_announces_each_once_in_arrays_under_the_payload_limit() throws Exception {
        // 600 roots on a queue no worker serves: created queued, and they stay so until this test changes them
        List<TaskDef> tasks = new ArrayList<>();
        for (int i = 0; i < 600; i++)
            tasks.add(TestDags.onQueue(
                    TestDags.task("task_with_a_longish_name_" + i, "noop", List.of(), Map.of()), "nobody_serves"));
        h.save(engine, TestDags.dag("wide_events", 1, tasks));
        try (Connection c = h.db.openDedicatedConnection()) {
            c.createStatement().execute("LISTEN sluice_events");
            long run = h.trigger(engine, "wide_events", Map.of());
            List<JsonNode> created = awaitTaskEvents(c, 600);
            assertThat(created).allMatch(e -> e.path("state").asText().equals("queued"));

            // No state change, no event: had it sent any, they would arrive before the next statement's (commit
            // order) and fail the checks on `changed` below.
            try (var st = c.prepareStatement("update task_instance set priority = priority + 1 where run_id = ?")) {
                st.setLong(1, run);
                assertThat(st.executeUpdate()).isEqualTo(600);
            }
            // one statement, 600 state changes
            try (var st = c.prepareStatement(
                    "update task_instance set state = 'up_for_retry' where run_id = ? and state = 'queued'")) {
                st.setLong(1, run);
                assertThat(st.executeUpdate()).isEqualTo(600);
            }
            List<JsonNode> changed = awaitTaskEvents(c, 600);
            assertThat(changed).allMatch(e -> e.path("state").asText().equals("up_for_retry"));
            Set<String> ids = new HashSet<>();
            for (JsonNode e : changed) {
                ids.add(e.path("task_id").asText());
                assertThat(e.path("kind").asText()).isEqualTo("task");
                assertThat(e.path("dag_id").asText()).isEqualTo("wide_events");
                assertThat(e.path("run_id").asText()).isNotEmpty();
                assertThat(e.path("map_index").asInt()).isEqualTo(-1);
            }
            assertThat(ids).hasSize(600);
        }
    }

    /** Reads notifications until {@code n} task events arrived; checks each payload's form and size on the way. */
    private static List<JsonNode> awaitTaskEvents(Connection c, int n) {
        List<JsonNode> events = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var got = c.unwrap(PGConnection.class).getNotifications(100);
            if (got != null) {
                for (var note : got) {
                    String payload = note.getParameter();
                    sizes.add(payload.getBytes(StandardCharsets.UTF_8).length);
                    JsonNode node = JSON.readTree(payload);
                    if (node.isArray()) node.forEach(events::add);
                    else if (node.path("kind").asText().equals("task")) events.add(node);
                }
            }
            return events.size() >= n;
        });
        assertThat(events).hasSize(n);
        // arrays, not one notification per row, and each under the limit
        assertThat(sizes).allMatch(s -> s < 8000);
        assertThat(sizes.size()).isLessThan(n / 10);
        return events;
    }
}
