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

    /** A DAG not scheduled on assets. */
    public Dag(
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
            Deadline deadline) {
        this(
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
                null);
    }

    /** A DAG without a {@code deadline:}. */
    public Dag(
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
            Notifications notifications) {
        this(
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
                null);
    }

    /** A DAG without a {@code notifications:} block. */
    public Dag(
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
            List<TaskDef> tasks) {
        this(
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
                Notifications.NONE,
                null);
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

    public TaskDef task(String taskId) {
        for (TaskDef t : tasks) if (t.id().equals(taskId)) return t;
        return null;
    }
}
