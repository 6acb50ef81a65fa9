package dev.sluice.server.api;

import dev.sluice.dag.AssetUris;
import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.auth.Role;
import dev.sluice.server.http.ApiException;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.Items;
import dev.sluice.server.http.RouteTable;
import dev.sluice.server.http.Types;
import dev.sluice.server.query.RunQueries;
import dev.sluice.store.AssetRepository;
import dev.sluice.store.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Assets (data a task updates, named by URI), their producers, consumers and events, and the route by which a
 * system outside Sluice announces that it updated one: a data producer, a webhook.
 */
public final class AssetRoutes {
    /** The newest events an asset's page shows. */
    static final int LATEST_EVENTS = 25;
    /** An event's extra is metadata (a row count, a partition), not data: 64 KiB of JSON is plenty. */
    static final int MAX_EXTRA_BYTES = 64 * 1024;

    private AssetRoutes() {}

    /** The events that triggered one run, by asset URI; empty for a run that assets did not trigger. */
    public record RunAssetEvents(
            String dagId, String runId, Map<String, List<AssetRepository.Event>> triggeringAssetEvents) {}

    public static void register(RouteTable routes, DSLContext dsl, RunQueries runs, AuditLog audit, Clock clock) {
        AssetRepository assets = new AssetRepository();
        routes.add(
                Endpoint.get("/assets", Role.VIEWER, "Assets by URI, with producer and consumer counts")
                        .returns(Types.items(AssetRepository.AssetSummary.class)),
                (ctx, who) -> new Items<>(assets.list(dsl)));
        routes.add(
                Endpoint.get(
                                "/assets/{asset}",
                                Role.VIEWER,
                                "One asset by id or URL-encoded URI: producers, consumers, latest events")
                        .returns(AssetRepository.AssetDetail.class),
                (ctx, who) -> {
                    String ref = ctx.pathParam("asset");
                    var found = ref.matches("[0-9]{1,18}")
                            ? assets.find(dsl, Long.parseLong(ref), LATEST_EVENTS)
                            : assets.find(dsl, ref, LATEST_EVENTS);
                    return found.orElseThrow(() -> ApiException.notFound("no asset " + ref));
                });
        routes.add(
                Endpoint.post("/assets/events", Role.OPERATOR, "Record an update of an asset made outside Sluice")
                        .status(201)
                        .returns(AssetRepository.Event.class),
                Requests.AssetEvent.class,
                false,
                (ctx, who, body) -> {
                    String uri = Requests.requiredText(body.uri(), "uri");
                    String problem = AssetUris.problem(uri);
                    if (problem != null) throw ApiException.badRequest("uri", "uri " + problem);
                    Map<String, Object> extra = body.extra() == null ? Map.of() : body.extra();
                    if (Json.write(extra).getBytes(StandardCharsets.UTF_8).length > MAX_EXTRA_BYTES)
                        throw ApiException.badRequest(
                                "extra", "extra must be at most " + MAX_EXTRA_BYTES + " bytes of JSON");
                    // Only assets a DAG names: a typo would otherwise create an asset nobody consumes, silently.
                    if (assets.idOf(dsl, uri).isEmpty())
                        throw new ApiException(
                                404, "uri: no asset " + uri + " (no DAG produces or is scheduled on it)", "uri");
                    long id = dsl.transactionResult(cfg -> assets.record(
                                    DSL.using(cfg),
                                    List.of(new AssetRepository.NewEvent(
                                            uri,
                                            AssetRepository.Source.API,
                                            null,
                                            null,
                                            null,
                                            who.name(),
                                            extra,
                                            clock.instant())))
                            .get(0));
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("event_id", id);
                    audit.record(who, "asset.event", uri, details);
                    return assets.find(dsl, uri, LATEST_EVENTS).orElseThrow().latestEvents().stream()
                            .filter(e -> e.id() == id)
                            .findFirst()
                            .orElseThrow();
                });
        routes.add(
                Endpoint.get(
                                "/dags/{dag_id}/runs/{run_id}/asset-events",
                                Role.VIEWER,
                                "The asset events that triggered a run, by asset URI")
                        .returns(RunAssetEvents.class),
                (ctx, who) -> {
                    String dagId = ctx.pathParam("dag_id"), runId = ctx.pathParam("run_id");
                    long key = runs.key(dagId, runId);
                    return new RunAssetEvents(dagId, runId, assets.triggeringEvents(dsl, key));
                });
    }
}
