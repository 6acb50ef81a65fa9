package dev.sluice.server.api;

import dev.sluice.engine.RunControl;
import dev.sluice.engine.RunCoordinator;
import dev.sluice.run.RunState;
import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.auth.Role;
import dev.sluice.server.http.ApiException;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.Params;
import dev.sluice.server.http.RouteTable;
import dev.sluice.server.http.Types;
import dev.sluice.server.query.DagQueries;
import dev.sluice.server.query.RunQueries;
import dev.sluice.template.SecretMask;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs: list, detail, trigger, cancel, clear failed, mark. State changes go through the engine's RunControl. */
public final class RunRoutes {
    private RunRoutes() {}

    public static void register(
            RouteTable routes,
            RunQueries runs,
            DagQueries dags,
            RunCoordinator coordinator,
            RunControl control,
            AuditLog audit,
            Clock clock) {
        routes.add(
                Endpoint.get("/runs", Role.VIEWER, "Runs, newest logical date first")
                        .query("dag_id", "state", "from", "to", "limit", "cursor")
                        .returns(Types.page(RunQueries.RunView.class)),
                (ctx, who) -> runs.list(
                        new RunQueries.Filter(
                                Params.string(ctx, "dag_id"),
                                Params.string(ctx, "state"),
                                Params.instant(ctx, "from"),
                                Params.instant(ctx, "to")),
                        Params.limit(ctx, Params.DEFAULT_LIMIT),
                        Params.string(ctx, "cursor")));
        routes.add(
                Endpoint.get("/dags/{dag_id}/runs/{run_id}", Role.VIEWER, "One run with its task instances")
                        .returns(RunQueries.RunDetail.class),
                (ctx, who) -> runs.detail(ctx.pathParam("dag_id"), ctx.pathParam("run_id")));
        routes.add(
                Endpoint.post("/dags/{dag_id}/runs", Role.OPERATOR, "Trigger a run")
                        .status(201)
                        .returns(RunQueries.RunView.class),
                Requests.Trigger.class,
                true,
                (ctx, who, body) -> {
                    String dagId = ctx.pathParam("dag_id");
                    dags.requireExists(dagId);
                    // PostgreSQL keeps microseconds; truncating first makes the run id match the stored date.
                    Instant date = (body.logicalDate() != null ? body.logicalDate() : clock.instant())
                            .truncatedTo(ChronoUnit.MICROS);
                    Map<String, Object> params = body.params() == null ? Map.of() : body.params();
                    long key = coordinator.createRun(dagId, "manual", date, date, date, params, who.name());
                    var run = runs.get(key);
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("params", SecretMask.mask(params));
                    audit.record(who, "run.trigger", dagId + "/" + run.runId(), details);
                    return run;
                });
        routes.add(
                Endpoint.post("/dags/{dag_id}/runs/{run_id}/cancel", Role.OPERATOR, "Cancel a run")
                        .returns(RunQueries.RunView.class),
                (ctx, who) -> act(ctx, runs, audit, who, "run.cancel", Map.of(), key -> control.cancel(key)));
        routes.add(
                Endpoint.post(
                                "/dags/{dag_id}/runs/{run_id}/clear-failed",
                                Role.OPERATOR,
                                "Rerun failed tasks and their downstream")
                        .returns(RunQueries.RunView.class),
                (ctx, who) ->
                        act(ctx, runs, audit, who, "run.clear_failed", Map.of(), key -> control.clearFailed(key)));
        routes.add(
                Endpoint.post("/dags/{dag_id}/runs/{run_id}/mark", Role.OPERATOR, "Mark a run success or failed")
                        .returns(RunQueries.RunView.class),
                Requests.Mark.class,
                false,
                (ctx, who, body) -> {
                    RunState to = switch (Requests.requiredText(body.state(), "state")) {
                        case "success" -> RunState.SUCCESS;
                        case "failed" -> RunState.FAILED;
                        default -> throw ApiException.badRequest("state", "state must be success or failed");
                    };
                    return act(
                            ctx,
                            runs,
                            audit,
                            who,
                            "run.mark",
                            Map.of("state", to.dbName()),
                            key -> control.markRun(key, to));
                });
    }

    static RunQueries.RunView act(
            io.javalin.http.Context ctx,
            RunQueries runs,
            AuditLog audit,
            dev.sluice.server.auth.Principal who,
            String action,
            Map<String, Object> details,
            java.util.function.LongConsumer change) {
        String dagId = ctx.pathParam("dag_id"), runId = ctx.pathParam("run_id");
        long key = runs.key(dagId, runId);
        change.accept(key);
        audit.record(who, action, dagId + "/" + runId, details);
        return runs.get(key);
    }
}
