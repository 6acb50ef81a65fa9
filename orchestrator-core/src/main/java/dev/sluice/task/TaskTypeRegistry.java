package dev.sluice.task;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The task types this process knows, by name. An object passed around, not a static map, so tests can add fakes. */
public final class TaskTypeRegistry {
    private final Map<String, TaskType> types = new TreeMap<>();

    /** Every {@link TaskType} on the class path. Two types with one name fail start-up, naming both classes. */
    public static TaskTypeRegistry discover() {
        TaskTypeRegistry registry = new TaskTypeRegistry();
        for (TaskType t : ServiceLoader.load(TaskType.class)) registry.register(t);
        return registry;
    }

    public TaskTypeRegistry register(TaskType type) {
        TaskType previous = types.putIfAbsent(type.name(), type);
        if (previous != null && previous != type) {
            throw new IllegalStateException("task type \"" + type.name() + "\" is defined twice: by "
                    + previous.getClass().getName() + " and " + type.getClass().getName());
        }
        return this;
    }

    public TaskType get(String name) {
        return types.get(name);
    }

    public Collection<TaskType> all() {
        return Collections.unmodifiableCollection(types.values());
    }
}
