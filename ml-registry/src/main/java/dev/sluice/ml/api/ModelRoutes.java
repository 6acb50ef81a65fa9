package dev.sluice.ml.api;

import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.artifact.ArtifactStores;
import dev.sluice.ml.drift.PredictionDrift;
import dev.sluice.ml.model.Problem;
import dev.sluice.ml.registry.ModelNotFoundException;
import dev.sluice.ml.registry.ModelRegistry;
import dev.sluice.ml.registry.ModelVersion;
import dev.sluice.ml.serving.InvalidInputException;
import dev.sluice.ml.serving.PredictionResult;
import dev.sluice.ml.serving.PredictionService;
import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.auth.Role;
import dev.sluice.server.extension.ApiContext;
import dev.sluice.server.extension.ApiExtension;
import dev.sluice.server.http.ApiException;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.Items;
import dev.sluice.server.http.Params;
import dev.sluice.server.http.RouteTable;
import dev.sluice.server.http.Types;
import dev.sluice.task.RunHistory;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The model registry, online predictions, drift and experiments over HTTP: the registry module's contribution to
 * the server's route table. Aliases move through the registry, predictions through one PredictionService.
 */
public final class ModelRoutes implements ApiExtension {
    /** Newest logged requests a drift report reads at most: at the default 1 % sampling, a million requests. */
    private static final int DRIFT_MAX_REQUESTS = 10_000;
    /**
     * Aliases start with a letter and are never "v3": the registry reads digits and "v"+digits as version numbers,
     * so such an alias could be set but never resolved.
     */
    private static final Pattern ALIAS = Pattern.compile("(?!v\\d+$)[A-Za-z][A-Za-z0-9_-]{0,99}");

    /** Request body of an alias move. */
    public record SetAlias(Integer version) {}

    /** Raw rows as the model's input schema names them; the model's own stored transform is applied to them. */
    public record Predict(List<Map<String, Object>> rows) {}

    @Override
    public void register(ApiContext api) {
        api.errors().map(ModelNotFoundException.class, 404, e -> null);
        api.errors().map(InvalidInputException.class, 400, ModelRoutes::rowField);
        ArtifactStore store = ArtifactStores.of(api.store(), api.config().home());
        ModelRegistry registry = new ModelRegistry(api.dataSource());
        register(
                api.routes(),
                new ModelQueries(registry, org.jooq.impl.DSL.using(api.dataSource(), org.jooq.SQLDialect.POSTGRES)),
                registry,
                // One service for the whole process: its cache of loaded models is what makes a champion move a hot
                // swap rather than a reload per request. java.util.Random, not ThreadLocalRandom: the generator is
                // shared by all request threads.
                new PredictionService(
                        registry, store, api.dataSource(), api.config().predictionLogRate(), new java.util.Random()),
                new PredictionDrift(
                        registry,
                        store,
                        api.dataSource(),
                        api.config().home().resolve("tmp").resolve("drift")),
                new ExperimentQueries(
                        org.jooq.impl.DSL.using(api.dataSource(), org.jooq.SQLDialect.POSTGRES),
                        api.service(RunHistory.class)
                                .orElseThrow(() -> new IllegalStateException("the engine offers no run history"))),
                api.audit());
    }

    /** A prediction row's field in the same path form as JSON errors: {@code rows[2].age}. */
    private static String rowField(InvalidInputException e) {
        String row = e.row() >= 0 ? "rows[" + e.row() + "]" : "rows";
        return "*".equals(e.field()) ? row : row + "." + e.field();
    }

    private static <T> T required(T value, String field) {
        if (value == null) throw ApiException.badRequest(field, "field '" + field + "' is required");
        return value;
    }

    /**
     * One entry per row in each list. Classification: labels and P(positive class); multiclass: the most probable
     * class and, per row, an object of class label → probability (class order); regression: values and no
     * probabilities. Multiclass keeps the binary shape so a client reads {@code predictions} the same way for both.
     */
    public record PredictionView(String model, int version, List<Object> predictions, List<Object> probabilities) {
        static PredictionView of(PredictionResult r) {
            List<Object> predictions = r.predictions().stream()
                    .map(p -> r.problem() == Problem.REGRESSION ? (Object) p.value() : (Object) p.label())
                    .toList();
            List<Object> probabilities = switch (r.problem()) {
                case CLASSIFICATION ->
                    r.predictions().stream().map(p -> (Object) p.probability()).toList();
                case MULTICLASS ->
                    r.predictions().stream()
                            .map(p -> (Object) p.probabilities())
                            .toList();
                case REGRESSION -> null;
            };
            return new PredictionView(r.modelName(), r.version(), predictions, probabilities);
        }
    }

    static void register(
            RouteTable routes,
            ModelQueries models,
            ModelRegistry registry,
            PredictionService predictions,
            PredictionDrift drift,
            ExperimentQueries experiments,
            AuditLog audit) {
        routes.add(
                Endpoint.get("/models", Role.VIEWER, "Registered models with their latest and champion versions")
                        .returns(Types.items(ModelQueries.ModelSummary.class)),
                (ctx, who) -> new Items<>(models.models()));
        routes.add(
                Endpoint.get(
                                "/experiments",
                                Role.VIEWER,
                                "Params, metrics and artifacts of every ml.train, ml.evaluate and python attempt, newest first")
                        .query("dag_id", "task_id", "stage", "limit", "cursor")
                        .returns(Types.page(ExperimentQueries.Experiment.class)),
                (ctx, who) -> experiments.page(
                        Params.string(ctx, "dag_id"),
                        Params.string(ctx, "task_id"),
                        Params.string(ctx, "stage"),
                        Params.limit(ctx, Params.DEFAULT_LIMIT),
                        Params.string(ctx, "cursor")));
        routes.add(
                Endpoint.get("/models/{name}/versions", Role.VIEWER, "Versions of a model, newest first")
                        .returns(Types.items(ModelQueries.VersionView.class)),
                (ctx, who) -> new Items<>(models.versions(ctx.pathParam("name"))));
        routes.add(
                Endpoint.post(
                                "/models/{name}/aliases/{alias}",
                                Role.OPERATOR,
                                "Point an alias at a version (promote or roll back)")
                        .returns(ModelQueries.VersionView.class),
                SetAlias.class,
                false,
                (ctx, who, body) -> {
                    String name = ctx.pathParam("name");
                    String alias = alias(ctx.pathParam("alias"));
                    int version = required(body.version(), "version");
                    if (version < 1) throw ApiException.badRequest("version", "version must be 1 or more");
                    Integer from = registry.byAlias(name, alias)
                            .map(ModelVersion::version)
                            .orElse(null);
                    registry.setAlias(name, alias, version, "set through the API by " + who.name());
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("version", version);
                    details.put("from_version", from);
                    audit.record(who, "model.alias", name + "/" + alias, details);
                    return models.version(name, version);
                });
        // A POST only because rows do not fit a query string: nothing changes, so viewers may predict.
        routes.add(
                Endpoint.post(
                                "/models/{name}/predict",
                                Role.VIEWER,
                                "Predict rows with a version or alias (champion by default)")
                        .query("alias", "version")
                        .returns(PredictionView.class)
                        .readOnly(),
                Predict.class,
                false,
                (ctx, who, body) -> {
                    String target = target(Params.string(ctx, "alias"), Params.integer(ctx, "version"));
                    List<Map<String, Object>> rows = required(body.rows(), "rows");
                    if (rows.isEmpty()) throw ApiException.badRequest("rows", "rows must hold at least one row");
                    return PredictionView.of(predictions.predict(ctx.pathParam("name"), target, rows));
                });
        routes.add(
                Endpoint.get(
                                "/models/{name}/drift",
                                Role.VIEWER,
                                "Drift (PSI per input column) of the sampled served rows against the version's training rows")
                        .query("alias", "version", "hours", "max_psi")
                        .returns(PredictionDrift.Report.class),
                (ctx, who) -> {
                    String target = target(Params.string(ctx, "alias"), Params.integer(ctx, "version"));
                    Integer hours = Params.integer(ctx, "hours");
                    if (hours != null && (hours < 1 || hours > 24 * 366))
                        throw ApiException.badRequest("hours", "hours must be between 1 and 8784");
                    double maxPsi = maxPsi(Params.string(ctx, "max_psi"));
                    Instant since = Instant.now().minus(Duration.ofHours(hours == null ? 24 * 7 : hours));
                    return drift.report(ctx.pathParam("name"), target, since, DRIFT_MAX_REQUESTS, maxPsi);
                });
    }

    private static double maxPsi(String s) {
        if (s == null) return 0.2;
        try {
            double v = Double.parseDouble(s);
            if (v > 0 && Double.isFinite(v)) return v;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiException.badRequest("max_psi", "max_psi must be a positive number, got \"" + s + "\"");
    }

    /** What PredictionService resolves: a version number as digits, else an alias. */
    private static String target(String alias, Integer version) {
        if (alias != null && version != null)
            throw ApiException.badRequest("version", "give alias or version, not both");
        if (version != null) {
            if (version < 1) throw ApiException.badRequest("version", "version must be 1 or more");
            return Integer.toString(version);
        }
        return alias == null ? ModelRegistry.CHAMPION : alias(alias);
    }

    private static String alias(String alias) {
        if (!ALIAS.matcher(alias).matches()) {
            throw ApiException.badRequest(
                    "alias",
                    "alias must start with a letter, hold letters, digits, _ or - (at most 100), and not look like a version (v3)");
        }
        return alias;
    }
}
