package dev.sluice.run;

import dev.sluice.dag.Dag;
import dev.sluice.dag.TaskDef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The static shape of a DAG, precomputed once per DAG version: upstream and downstream lists, leaves and a
 * topological order. Runtime state lives elsewhere (a map of task states), so one graph serves every run.
 */
public final class DagGraph {
    private final Map<String, TaskDef> tasks = new LinkedHashMap<>();
    private final Map<String, List<String>> upstream = new HashMap<>();
    private final Map<String, List<String>> downstream = new HashMap<>();
    private final List<String> topoOrder;
    private final List<String> leaves = new ArrayList<>();
    private final Set<String> readsOutputs = new HashSet<>();
    private final List<String> branches = new ArrayList<>();
    private boolean mapped;
    /** Every task's transitive downstream tasks, computed on first need (only branch DAGs ask). */
    private final Map<String, Set<String>> descendants = new java.util.concurrent.ConcurrentHashMap<>();

    public DagGraph(Dag dag) {
        for (TaskDef t : dag.tasks()) {
            tasks.put(t.id(), t);
            if (mentionsTaskOutputs(t.config())) readsOutputs.add(t.id());
            upstream.put(t.id(), t.dependsOn());
            downstream.putIfAbsent(t.id(), new ArrayList<>());
            if (t.branch()) branches.add(t.id());
            mapped |= t.mapped();
        }
        for (TaskDef t : dag.tasks()) {
            for (String up : t.dependsOn())
                downstream.computeIfAbsent(up, k -> new ArrayList<>()).add(t.id());
        }
        for (TaskDef t : dag.tasks()) if (downstream.get(t.id()).isEmpty()) leaves.add(t.id());
        topoOrder = computeTopologicalOrder();
    }

    /**
     * Whether the task's config templates may read other tasks' outputs ({@code tasks.X.output.Y}): loading the
     * run's outputs costs a query, so an attempt does it only then. Decided once per DAG version.
     */
    public boolean readsTaskOutputs(String id) {
        return readsOutputs.contains(id);
    }

    private static boolean mentionsTaskOutputs(Object v) {
        if (v instanceof String s) return s.contains("tasks.");
        if (v instanceof Map<?, ?> m) return m.values().stream().anyMatch(DagGraph::mentionsTaskOutputs);
        if (v instanceof List<?> l) return l.stream().anyMatch(DagGraph::mentionsTaskOutputs);
        return false;
    }

    private List<String> computeTopologicalOrder() {
        Map<String, Integer> indegree = new HashMap<>();
        for (String id : tasks.keySet()) indegree.put(id, upstream.get(id).size());
        Deque<String> ready = new ArrayDeque<>();
        for (String id : tasks.keySet()) if (indegree.get(id) == 0) ready.add(id);
        List<String> order = new ArrayList<>(tasks.size());
        while (!ready.isEmpty()) {
            String id = ready.poll();
            order.add(id);
            for (String d : downstream.get(id)) if (indegree.merge(d, -1, Integer::sum) == 0) ready.add(d);
        }
        if (order.size() != tasks.size()) throw new IllegalArgumentException("DAG has a cycle");
        return List.copyOf(order);
    }

    /** Whether any task has {@code expand:} (only then are mapped outputs worth a query). */
    public boolean hasMappedTasks() {
        return mapped;
    }

    /** The tasks with {@code branch: true}, in definition order. */
    public List<String> branchTasks() {
        return branches;
    }

    /** Whether {@code id} lies (transitively) downstream of {@code of}. */
    public boolean isDownstream(String id, String of) {
        return descendants
                .computeIfAbsent(of, k -> Set.copyOf(reach(k, downstream)))
                .contains(id);
    }

    public TaskDef task(String id) {
        return tasks.get(id);
    }

    public List<String> upstream(String id) {
        return upstream.get(id);
    }

    public List<String> downstream(String id) {
        return downstream.get(id);
    }

    public List<String> topologicalOrder() {
        return topoOrder;
    }

    public List<String> leaves() {
        return leaves;
    }

    public int size() {
        return tasks.size();
    }

    public boolean hasDownstream(String id) {
        List<String> d = downstream.get(id);
        return d != null && !d.isEmpty();
    }

    /** All tasks reachable downstream of {@code id}, excluding it. */
    public List<String> allDownstream(String id) {
        return reach(id, downstream);
    }

    public List<String> allUpstream(String id) {
        return reach(id, upstream);
    }

    private static List<String> reach(String id, Map<String, List<String>> edges) {
        List<String> out = new ArrayList<>();
        Deque<String> todo = new ArrayDeque<>(edges.getOrDefault(id, List.of()));
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (!todo.isEmpty()) {
            String n = todo.poll();
            if (seen.add(n)) {
                out.add(n);
                todo.addAll(edges.getOrDefault(n, List.of()));
            }
        }
        return out;
    }
}
