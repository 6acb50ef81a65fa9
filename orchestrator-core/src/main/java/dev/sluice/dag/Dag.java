package dev.sluice.dag;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * A validated DAG definition: immutable, with defaults applied to every task. Build one from YAML with
 * {@link YamlDagParser} or in Java with {@link DagBuilder}; both give equal records. {@code deadline} is null when
 * the DAG has none. {@code assetSchedule} is null unless the DAG is scheduled on assets (then {@code schedule}, the
 * cron, is null).
 */
public record Dag(
        String id,
        String description,
        String schedule,
        String timezone,
        LocalDate startDate,
        LocalDate endDate,
        boolean catchup,
        int maxActiveRuns,
        int maxActiveTasks,
        List<String> tags,
        Map<String, ParamSpec> params,
        List<TaskDef> tasks,
        Notifications notifications,
        Deadline deadline,
        AssetSchedule assetSchedule) {

    public Dag {
        tags = List.copyOf(tags);
        notifications = notifications == null ? Notifications.NONE : notifications;
        params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
        tasks = List.copyOf(tasks);
    }

    /** This DAG scheduled on {@code assets} (null: not on assets). */
    public Dag withAssetSchedule(AssetSchedule assets) {
        return new Dag(
                id,
                description,
                schedule,
                timezone,
                startDate,
                endDate,
                catchup,
                maxActiveRuns,
                maxActiveTasks,
                tags,
                params,
                tasks,
                notifications,
                deadline,
                assets);
    }

    /** This DAG on the cron {@code schedule} (null: no schedule). */
    public Dag withSchedule(String schedule) {
        return new Dag(
                id,
                description,
                schedule,
                timezone,
                startDate,
                endDate,
                catchup,
                maxActiveRuns,
                maxActiveTasks,
                tags,
                params,
                tasks,
                notifications,
                deadline,
                assetSchedule);
    }

    /** This DAG running at most {@code maxActiveTasks} tasks at once. */
    public Dag withMaxActiveTasks(int maxActiveTasks) {
        return new Dag(
                id,
                description,
                schedule,
                timezone,
                startDate,
                endDate,
                catchup,
                maxActiveRuns,
                maxActiveTasks,
                tags,
                params,
                tasks,
                notifications,
                deadline,
                assetSchedule);
    }

    /** This DAG declaring {@code params}. */
    public Dag withParams(Map<String, ParamSpec> params) {
        return new Dag(
                id,
                description,
                schedule,
                timezone,
                startDate,
                endDate,
                catchup,
                maxActiveRuns,
                maxActiveTasks,
                tags,
                params,
                tasks,
                notifications,
                deadline,
                assetSchedule);
    }

    public TaskDef task(String taskId) {
        for (TaskDef t : tasks) if (t.id().equals(taskId)) return t;
        return null;
    }
}
