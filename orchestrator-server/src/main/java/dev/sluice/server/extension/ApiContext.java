package dev.sluice.server.extension;

import dev.sluice.config.SluiceConfig;
import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.http.ErrorTable;
import dev.sluice.server.http.RouteTable;
import dev.sluice.storage.ObjectStore;
import dev.sluice.task.TaskServices;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * What an {@link ApiExtension} builds its routes with: the route table, the error table for its own exceptions,
 * the audit log for the changes it makes, and the node's shared objects: configuration, the database (for the
 * extension's own tables), the object store, and the services the engine offers task types (run history,
 * lineage...), which stand in for the engine's tables.
 */
public record ApiContext(
        RouteTable routes,
        ErrorTable errors,
        AuditLog audit,
        SluiceConfig config,
        DataSource dataSource,
        ObjectStore store,
        TaskServices services) {

    /** A service the engine offers task types, e.g. {@code RunHistory}. */
    public <T> Optional<T> service(Class<T> type) {
        return services.get(type);
    }
}
