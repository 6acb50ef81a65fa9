package dev.sluice.engine;

import dev.sluice.dag.Dag;
import dev.sluice.run.DagGraph;
import dev.sluice.store.DagRepository;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Graphs by DAG version id. Versions are immutable, so a graph is built once per process. */
public final class DagGraphs {
    private final DagRepository dags;
    private final Map<Long, DagGraph> graphs = new ConcurrentHashMap<>();

    public DagGraphs(DagRepository dags) {
        this.dags = dags;
    }

    public DagGraph graph(long versionId) {
        return graphs.computeIfAbsent(versionId, id -> new DagGraph(dags.version(id)));
    }

    public Dag dag(long versionId) {
        return dags.version(versionId);
    }
}
