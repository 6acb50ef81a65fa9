package dev.sluice.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How one notification's payload becomes events: task changes come as arrays per statement (V50), others alone. */
class EventHubTest {
    @Test
    void an_array_payload_is_one_event_per_element_and_an_object_is_one_event() {
        try (EventHub hub = new EventHub(null)) {
            List<JsonNode> seen = new ArrayList<>();
            hub.onNotification(seen::add);
            hub.dispatch(
                    "[{\"kind\":\"task\",\"dag_id\":\"d\",\"run_id\":\"r\",\"task_id\":\"a\",\"state\":\"running\"},"
                            + "{\"kind\":\"task\",\"dag_id\":\"d\",\"run_id\":\"r\",\"task_id\":\"b\",\"state\":\"success\"}]");
            hub.dispatch("{\"kind\":\"run\",\"dag_id\":\"d\",\"run_id\":\"r\",\"state\":\"success\"}");
            hub.dispatch("not json");
            assertThat(seen)
                    .extracting(n ->
                            n.path("kind").asText() + ":" + n.path("task_id").asText(""))
                    .containsExactly("task:a", "task:b", "run:");
        }
    }
}
