package dev.sluice.dag;

import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import dev.sluice.task.TaskTypeRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small task types for DAG tests; the real ones live elsewhere and may change their fields. */
final class FakeTaskTypes {
    private FakeTaskTypes() {}

    static TaskTypeRegistry registry() {
        return new TaskTypeRegistry().register(new Shell()).register(new RangeCheck());
    }

    static String fixture(String name) {
        try (InputStream in = FakeTaskTypes.class.getResourceAsStream("/dags/" + name)) {
            if (in == null) throw new IllegalArgumentException("no fixture " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Dag parseFixture(String name) {
        return new YamlDagParser(registry()).parse(fixture(name), name);
    }

    static final class Shell implements TaskType {
        @Override
        public String name() {
            return "shell";
        }

        @Override
        public List<ConfigField> configFields() {
            return List.of(
                    ConfigField.required("command", FieldType.STRING, "the command"),
                    ConfigField.optional("env", FieldType.MAP, Map.of(), "extra environment"));
        }

        @Override
        public TaskResult execute(TaskContext context) {
            throw new UnsupportedOperationException("parse-only fake");
        }
    }

    /** A type with a cross-field rule, to show {@link TaskType#validate} messages reach the author. */
    static final class RangeCheck implements TaskType {
        @Override
        public String name() {
            return "range_check";
        }

        @Override
        public List<ConfigField> configFields() {
            return List.of(
                    ConfigField.required("min", FieldType.NUMBER, "lower bound"),
                    ConfigField.required("max", FieldType.NUMBER, "upper bound"));
        }

        @Override
        public List<String> validate(Map<String, Object> config) {
            List<String> problems = new ArrayList<>();
            if (config.get("min") instanceof Number min
                    && config.get("max") instanceof Number max
                    && min.doubleValue() > max.doubleValue()) {
                problems.add("min must not be greater than max");
            }
            return problems;
        }

        @Override
        public TaskResult execute(TaskContext context) {
            throw new UnsupportedOperationException("parse-only fake");
        }
    }
}
