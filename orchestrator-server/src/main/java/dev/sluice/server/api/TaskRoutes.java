package dev.sluice.server.api;

import dev.sluice.engine.RunControl;
import dev.sluice.run.TaskState;
import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.auth.Role;
import dev.sluice.server.http.ApiException;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.Params;
import dev.sluice.server.http.RouteTable;
import dev.sluice.server.query.RunQueries;
import dev.sluice.server.query.TaskQueries;
import java.util.List;
import java.util.Map;

/** Task instances: detail with attempts, logs (tail by offset, or download), clear and mark. */
public final class TaskRoutes {
    private TaskRoutes() {}

    public static void register(
            RouteTable routes, TaskQueries tasks, RunQueries runs, RunControl control, AuditLog audit) {
        String base = "/dags/{dag_id}/runs/{run_id}/tasks/{task_id}";
        routes.add(
                Endpoint.get(
                                base,
                                Role.VIEWER,
                                "One task instance with its attempts; map_index for one instance of a mapped task"
                                        + " (without it: the mapped task's aggregate)")
                        .query("map_index")
                        .returns(TaskQueries.TaskInstanceDetail.class),
                (ctx, who) -> tasks.detail(
                        ctx.pathParam("dag_id"), ctx.pathParam("run_id"), ctx.pathParam("task_id"), mapIndex(ctx)));
        routes.add(
                Endpoint.get(
                                base + "/instances",
                                Role.VIEWER,
                                "A mapped task's instances in map-index order, a page at a time, with counts by state")
                        .query("offset", "limit")
                        .returns(TaskQueries.MappedInstances.class),
                (ctx, who) -> tasks.instances(
                        ctx.pathParam("dag_id"),
                        ctx.pathParam("run_id"),
                        ctx.pathParam("task_id"),
                        (int) Math.min(Integer.MAX_VALUE, Params.nonNegativeLong(ctx, "offset")),
                        Params.limit(ctx, 100)));
        routes.add(
                Endpoint.get(
                                base + "/logs",
                                Role.VIEWER,
                                "Attempt log from a byte offset; download=true for the whole file; map_index for"
                                        + " an instance of a mapped task")
                        .query("try", "offset", "download", "map_index")
                        .returns(TaskQueries.LogChunk.class),
                (ctx, who) -> {
                    var log = tasks.log(
                            ctx.pathParam("dag_id"),
                            ctx.pathParam("run_id"),
                            ctx.pathParam("task_id"),
                            mapIndex(ctx),
                            Params.integer(ctx, "try"));
                    if (Params.bool(ctx, "download")) {
                        if (log.removedAt() != null) {
                            throw new ApiException(
                                    410, "this attempt's log was removed by log retention at " + log.removedAt(), null);
                        }
                        Integer index = mapIndex(ctx);
                        String name = ctx.pathParam("task_id").replaceAll("[^A-Za-z0-9._-]", "_")
                                + (index == null ? "" : "-" + index) + ".log";
                        ctx.contentType("text/plain; charset=utf-8")
                                .header("Content-Disposition", "attachment; filename=\"" + name + "\"");
                        ctx.result(tasks.open(log));
                        return null;
                    }
                    return tasks.read(log, Params.nonNegativeLong(ctx, "offset"));
                });
        routes.add(
                Endpoint.post(
                                base + "/clear",
                                Role.OPERATOR,
                                "Rerun this task, optionally with its downstream/upstream")
                        .returns(RunQueries.RunView.class),
                Requests.ClearTask.class,
                true,
                (ctx, who, body) -> RunRoutes.act(
                        ctx,
                        runs,
                        audit,
                        who,
                        "task.clear",
                        Map.of(
                                "task_id",
                                ctx.pathParam("task_id"),
                                "downstream",
                                body.downstream(),
                                "upstream",
                                body.upstream()),
                        key -> control.clear(
                                key, List.of(ctx.pathParam("task_id")), body.downstream(), body.upstream())));
        routes.add(
                Endpoint.post(base + "/mark", Role.OPERATOR, "Mark a task success or failed")
                        .returns(TaskQueries.TaskInstanceView.class),
                Requests.Mark.class,
                false,
                (ctx, who, body) -> {
                    TaskState to = switch (Requests.requiredText(body.state(), "state")) {
                        case "success" -> TaskState.SUCCESS;
                        case "failed" -> TaskState.FAILED;
                        default -> throw ApiException.badRequest("state", "state must be success or failed");
                    };
                    String dagId = ctx.pathParam("dag_id"),
                            runId = ctx.pathParam("run_id"),
                            taskId = ctx.pathParam("task_id");
                    long key = runs.key(dagId, runId);
                    control.markTask(key, taskId, to);
                    audit.record(who, "task.mark", dagId + "/" + runId + "/" + taskId, Map.of("state", to.dbName()));
                    return tasks.instance(dagId, runId, taskId);
                });
    }

    /** The {@code map_index} query parameter: null when absent, 0 or more when given. */
    private static Integer mapIndex(io.javalin.http.Context ctx) {
        Integer i = Params.integer(ctx, "map_index");
        if (i != null && i < 0) throw ApiException.badRequest("map_index", "map_index must be 0 or more, got " + i);
        return i;
    }
}
