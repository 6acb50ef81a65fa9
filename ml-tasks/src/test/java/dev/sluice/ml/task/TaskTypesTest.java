package dev.sluice.ml.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.task.ConfigField;
import dev.sluice.task.TaskType;
import dev.sluice.task.TaskTypeRegistry;
import org.junit.jupiter.api.Test;

class TaskTypesTest {
    @Test
    void all_ml_task_types_are_discovered_with_described_config() {
        TaskTypeRegistry registry = TaskTypeRegistry.discover();
        for (String name : new String[] {
            "ml.ingest",
            "ml.validate_data",
            "ml.split",
            "ml.preprocess",
            "ml.feature",
            "ml.export",
            "ml.train",
            "ml.evaluate",
            "ml.deploy",
            "ml.predict"
        }) {
            TaskType t = registry.get(name);
            assertThat(t).as(name).isNotNull();
            assertThat(t.description()).isNotBlank();
            assertThat(t.configFields())
                    .extracting(ConfigField::description)
                    .allSatisfy(d -> assertThat(d).isNotBlank());
            assertThat(t.configFields())
                    .extracting(ConfigField::name)
                    .doesNotHaveDuplicates()
                    .contains("memory_limit", "threads");
        }
    }
}
