package dev.sluice.task;

import java.util.Optional;

/**
 * The shared objects a node hands to task types through {@link TaskContext#service}: the engine's own (the
 * database, the object store, lineage, run history) and what {@link TaskServiceProvider plugins} add.
 */
public interface TaskServices {
    <T> Optional<T> get(Class<T> type);

    <T> TaskServices put(Class<T> type, T value);
}
