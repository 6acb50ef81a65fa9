package dev.sluice.server;

import dev.sluice.engine.EngineConfig;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a Sluice process does. Any number of nodes of each role share one database; a standalone process has all
 * three.
 * <ul>
 *   <li>{@link #SCHEDULER}: syncs the DAG folder, fires schedules (Quartz), steps backfills, judges deadlines,
 *       delivers notifications, declares silent nodes
 *       dead and runs the fallback promote sweep.</li>
 *   <li>{@link #SERVER}: the REST API and the dashboard; creates and controls runs, runs no task.</li>
 *   <li>{@link #WORKER}: claims and runs the tasks of its queues.</li>
 * </ul>
 */
public enum NodeRole {
    SCHEDULER,
    SERVER,
    WORKER;

    public static final Set<NodeRole> STANDALONE = EnumSet.allOf(NodeRole.class);

    /** The name the worker table shows: "standalone" for all three, else the roles joined by '+'. */
    public static String label(Set<NodeRole> roles) {
        if (roles.containsAll(STANDALONE)) return EngineConfig.DEFAULT_ROLE;
        return roles.stream()
                .sorted()
                .map(r -> r.name().toLowerCase(java.util.Locale.ROOT))
                .collect(Collectors.joining("+"));
    }

    /**
     * The engine a node of these roles needs: a worker only on worker nodes (the others register with no slots
     * and no queues), the reaper and promote sweep only on scheduler nodes.
     */
    public static EngineConfig engineFor(Set<NodeRole> roles, EngineConfig base) {
        EngineConfig c = base.withRole(label(roles));
        if (!roles.contains(WORKER)) c = c.withoutWorker();
        if (!roles.contains(SCHEDULER)) c = c.withoutHousekeeping();
        return c;
    }
}
