package dev.sluice.engine;

import dev.sluice.task.TaskServices;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Shared objects the engine hands to task types through {@link dev.sluice.task.TaskContext#service}. */
public final class Services implements TaskServices {
    private final Map<Class<?>, Object> byType = new ConcurrentHashMap<>();

    @Override
    public <T> Services put(Class<T> type, T value) {
        byType.put(type, value);
        return this;
    }

    @Override
    public <T> Optional<T> get(Class<T> type) {
        return Optional.ofNullable(type.cast(byType.get(type)));
    }
}
