package dev.sluice.server.api;

import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.auth.Role;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.Items;
import dev.sluice.server.http.Params;
import dev.sluice.server.http.RouteTable;
import dev.sluice.server.http.Types;
import dev.sluice.server.query.DagQueries;
import dev.sluice.server.query.RunQueries;
import java.util.Map;
import java.util.NoSuchElementException;

/** DAGs: list, detail, source, versions, import errors, pause, and the grid. */
public final class DagRoutes {
    private DagRoutes() {}

    /** Pauses (true) or unpauses a DAG; false for an unknown DAG. The scheduler does it, so unpausing fires at once. */
    public interface Pauser {
        boolean setPaused(String dagId, boolean paused);
    }

    public static void register(RouteTable routes, DagQueries dags, RunQueries runs, Pauser pauser, AuditLog audit) {
        routes.add(
                Endpoint.get("/dags", Role.VIEWER, "DAGs with their last runs")
                        .query("tag", "q", "limit", "cursor")
                        .returns(Types.page(DagQueries.DagSummary.class)),
                (ctx, who) -> dags.list(
                        Params.string(ctx, "tag"),
                        Params.string(ctx, "q"),
                        Params.limit(ctx, Params.DEFAULT_LIMIT),
                        Params.string(ctx, "cursor")));
        routes.add(
                Endpoint.get("/dags/{dag_id}", Role.VIEWER, "One DAG with its params and tasks")
                        .returns(DagQueries.DagDetail.class),
                (ctx, who) -> dags.detail(ctx.pathParam("dag_id")));
        routes.add(
                Endpoint.get("/dags/{dag_id}/source", Role.VIEWER, "Source of a version (latest by default)")
                        .query("version")
                        .returns(DagQueries.DagSource.class),
                (ctx, who) -> dags.source(ctx.pathParam("dag_id"), Params.integer(ctx, "version")));
        routes.add(
                Endpoint.get("/dags/{dag_id}/versions", Role.VIEWER, "Versions, newest first")
                        .returns(Types.items(DagQueries.DagVersion.class)),
                (ctx, who) -> new Items<>(dags.versions(ctx.pathParam("dag_id"))));
        routes.add(
                Endpoint.get("/import-errors", Role.VIEWER, "DAG files that failed to load")
                        .returns(Types.items(DagQueries.ImportError.class)),
                (ctx, who) -> new Items<>(dags.importErrors()));
        routes.add(
                Endpoint.patch("/dags/{dag_id}", Role.OPERATOR, "Pause or unpause")
                        .returns(DagQueries.DagDetail.class),
                Requests.Pause.class,
                false,
                (ctx, who, body) -> {
                    String dagId = ctx.pathParam("dag_id");
                    boolean paused = Requests.required(body.isPaused(), "is_paused");
                    if (!pauser.setPaused(dagId, paused)) throw new NoSuchElementException("no DAG " + dagId);
                    audit.record(who, paused ? "dag.pause" : "dag.unpause", dagId, Map.of());
                    return dags.detail(dagId);
                });
        routes.add(
                Endpoint.get("/dags/{dag_id}/grid", Role.VIEWER, "Runs × tasks, newest first")
                        .query("limit", "cursor")
                        .returns(RunQueries.Grid.class),
                (ctx, who) -> runs.grid(ctx.pathParam("dag_id"), Params.limit(ctx, 25), Params.string(ctx, "cursor")));
    }
}
