package dev.sluice.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dag.Dag;
import dev.sluice.dag.DagJson;
import dev.sluice.dag.DagValidationException;
import dev.sluice.dag.Notifications;
import dev.sluice.dag.Notifications.Event;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.task.TaskTypeRegistry;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@code notifications:} block of a DAG file, and how it is stored. */
class WebhookDagConfigTest {
    static final YamlDagParser PARSER = new YamlDagParser(TaskTypeRegistry.discover());

    @Test
    void the_block_is_read_and_survives_the_stored_json() {
        Dag dag = PARSER.parse("""
                id: notified
                notifications:
                  webhook_url: https://hooks.example/sluice
                  on: [task_failed, task_retry]
                tasks:
                  - id: a
                    type: noop
                """, "notified.yaml");
        assertThat(dag.notifications())
                .isEqualTo(
                        new Notifications("https://hooks.example/sluice", Set.of(Event.TASK_FAILED, Event.TASK_RETRY)));
        assertThat(DagJson.fromJson(DagJson.toJson(dag))).isEqualTo(dag);
    }

    @Test
    void without_the_block_the_stored_json_is_unchanged_and_defaults_apply() {
        Dag dag = PARSER.parse("id: plain\ntasks:\n  - id: a\n    type: noop\n", "plain.yaml");
        assertThat(dag.notifications()).isEqualTo(Notifications.NONE);
        assertThat(dag.notifications().on()).containsExactlyInAnyOrder(Event.TASK_FAILED, Event.RUN_FAILED);
        assertThat(DagJson.toJson(dag)).doesNotContain("notifications");
    }

    @Test
    void a_bad_url_or_event_is_reported_with_its_path() {
        assertThatThrownBy(() -> PARSER.parse("""
                id: bad
                notifications:
                  webhook_url: ftp://nope
                  on: [task_failed, task_exploded]
                tasks:
                  - id: a
                    type: noop
                """, "bad.yaml"))
                .isInstanceOf(DagValidationException.class)
                .hasMessageContaining("notifications.webhook_url")
                .hasMessageContaining("task_exploded");
    }
}
