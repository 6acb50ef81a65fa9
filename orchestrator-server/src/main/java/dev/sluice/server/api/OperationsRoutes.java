package dev.sluice.server.api;

import dev.sluice.schedule.BackfillService;
import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.auth.Role;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.Items;
import dev.sluice.server.http.Params;
import dev.sluice.server.http.RouteTable;
import dev.sluice.server.http.Types;
import dev.sluice.server.query.BackfillQueries;
import dev.sluice.server.query.DagQueries;
import dev.sluice.server.query.FailureQueries;
import java.util.LinkedHashMap;
import java.util.Map;

/** Failures across DAGs and backfills. */
public final class OperationsRoutes {
    private OperationsRoutes() {}

    public static void register(
            RouteTable routes,
            FailureQueries failures,
            BackfillQueries backfills,
            BackfillService service,
            DagQueries dags,
            AuditLog audit) {
        routes.add(
                Endpoint.get("/failures", Role.VIEWER, "Failed task instances, newest first")
                        .query("dag_id", "since", "limit", "cursor")
                        .returns(Types.page(FailureQueries.Failure.class)),
                (ctx, who) -> failures.page(
                        Params.string(ctx, "dag_id"),
                        Params.instant(ctx, "since"),
                        Params.limit(ctx, Params.DEFAULT_LIMIT),
                        Params.string(ctx, "cursor")));
        routes.add(
                Endpoint.get("/backfills", Role.VIEWER, "Backfills, newest first")
                        .query("dag_id")
                        .returns(Types.items(BackfillQueries.BackfillView.class)),
                (ctx, who) -> new Items<>(backfills.list(Params.string(ctx, "dag_id"))));
        routes.add(
                Endpoint.post("/dags/{dag_id}/backfills", Role.OPERATOR, "Create the runs of a date range")
                        .status(201)
                        .returns(BackfillQueries.BackfillView.class),
                Requests.Backfill.class,
                false,
                (ctx, who, body) -> {
                    String dagId = ctx.pathParam("dag_id");
                    dags.requireExists(dagId);
                    // dates are whole UTC days: [from 00:00, to 23:59:59.999]
                    var from = Requests.required(body.from(), "from")
                            .atStartOfDay(java.time.ZoneOffset.UTC)
                            .toInstant();
                    var to = Requests.required(body.to(), "to")
                            .plusDays(1)
                            .atStartOfDay(java.time.ZoneOffset.UTC)
                            .toInstant()
                            .minusMillis(1);
                    var created = service.create(
                            dagId,
                            from,
                            to,
                            body.maxActiveRuns() == null ? 1 : body.maxActiveRuns(),
                            body.rerunExisting() ? BackfillService.Reprocess.ALL : BackfillService.Reprocess.NONE,
                            who.name());
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("from", body.from().toString());
                    details.put("to", body.to().toString());
                    details.put("backfill_id", created.id());
                    audit.record(who, "backfill.create", dagId, details);
                    return backfills.get(created.id());
                });
    }
}
