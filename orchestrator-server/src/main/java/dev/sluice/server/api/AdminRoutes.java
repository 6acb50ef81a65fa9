package dev.sluice.server.api;

import dev.sluice.server.auth.AuditLog;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.TokenStore;
import dev.sluice.server.auth.UserStore;
import dev.sluice.server.http.ApiException;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.Items;
import dev.sluice.server.http.Params;
import dev.sluice.server.http.RouteTable;
import dev.sluice.server.http.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Users, API tokens and the audit log: admin only. Usernames in paths match in any case. The last admin cannot be
 * demoted or deleted (409).
 */
public final class AdminRoutes {
    private AdminRoutes() {}

    public record UserView(String username, String role, Instant createdAt) {}

    /**
     * {@code created_by} is the token's owner: the token dies with that user and never acts with more than the
     * owner's current role. {@code expires_at} null: never expires.
     */
    public record TokenView(
            long id,
            String name,
            String role,
            String createdBy,
            Instant createdAt,
            Instant expiresAt,
            boolean expired) {}

    /** The only answer that ever holds a raw token. */
    public record NewTokenView(long id, String name, String role, String token, Instant expiresAt) {}

    public static void register(RouteTable routes, UserStore users, TokenStore tokens, AuditLog audit) {
        register(routes, users, tokens, audit, Clock.systemUTC());
    }

    public static void register(RouteTable routes, UserStore users, TokenStore tokens, AuditLog audit, Clock clock) {
        routes.add(
                Endpoint.get("/users", Role.ADMIN, "Users").returns(Types.items(UserView.class)),
                (ctx, who) ->
                        new Items<>(users.list().stream().map(AdminRoutes::view).toList()));
        routes.add(
                Endpoint.post("/users", Role.ADMIN, "Create a user").status(201).returns(UserView.class),
                Requests.NewUser.class,
                false,
                (ctx, who, body) -> {
                    String name = Requests.requiredText(body.username(), "username");
                    if (!name.matches("[A-Za-z0-9._@-]{1,100}"))
                        throw ApiException.badRequest(
                                "username", "username may hold letters, digits and . _ @ - (at most 100)");
                    Role role = Role.parse(body.role(), "role");
                    if (!users.create(name, body.password(), role)) {
                        String existing =
                                users.get(name).map(UserStore.User::username).orElse(name);
                        throw new ApiException(
                                409, "user " + existing + " exists (usernames are case-insensitive)", "username");
                    }
                    audit.record(who, "user.create", name, Map.of("role", role.apiName()));
                    return view(users.get(name).orElseThrow());
                });
        routes.add(
                Endpoint.patch(
                                "/users/{username}",
                                Role.ADMIN,
                                "Change a user's role or password (ends their sessions); 409 when it would leave no admin")
                        .returns(UserView.class),
                Requests.UpdateUser.class,
                false,
                (ctx, who, body) -> {
                    String name = ctx.pathParam("username");
                    Role role = body.role() == null ? null : Role.parse(body.role(), "role");
                    if (role == null && body.password() == null)
                        throw ApiException.badRequest(null, "give role or password");
                    var updated = users.update(name, role, body.password());
                    Map<String, Object> details = new LinkedHashMap<>();
                    if (role != null) details.put("role", role.apiName());
                    if (body.password() != null) details.put("password", "changed");
                    audit.record(who, "user.update", updated.username(), details);
                    return view(updated);
                });
        routes.add(
                Endpoint.delete(
                        "/users/{username}",
                        Role.ADMIN,
                        "Delete a user, their sessions and their API tokens; 409 for yourself or the last admin"),
                (ctx, who) -> {
                    String name = users.get(ctx.pathParam("username"))
                            .map(UserStore.User::username)
                            .orElseThrow(() -> ApiException.notFound("no user " + ctx.pathParam("username")));
                    // A token acting for its owner counts as the owner: deleting the owner would delete the token too.
                    if (name.equals(who.username()))
                        throw new ApiException(409, "you cannot delete yourself", "username");
                    users.delete(name);
                    audit.record(who, "user.delete", name, Map.of());
                    return null;
                });
        routes.add(
                Endpoint.get("/tokens", Role.ADMIN, "API tokens (never the secret)")
                        .returns(Types.items(TokenView.class)),
                (ctx, who) -> {
                    Instant now = clock.instant();
                    return new Items<>(tokens.list().stream()
                            .map(t -> new TokenView(
                                    t.id(),
                                    t.name(),
                                    t.role().apiName(),
                                    t.createdBy(),
                                    t.createdAt(),
                                    t.expiresAt(),
                                    t.expiredAt(now)))
                            .toList());
                });
        routes.add(
                Endpoint.post(
                                "/tokens",
                                Role.ADMIN,
                                "Create an API token, owned by the caller's user, optionally expiring "
                                        + "(expires_in, e.g. 90d, 12h, 30m, or expires_at); the token is shown only in this answer")
                        .status(201)
                        .returns(NewTokenView.class),
                Requests.NewToken.class,
                false,
                (ctx, who, body) -> {
                    String name = Requests.requiredText(body.name(), "name");
                    if (name.length() > 200)
                        throw ApiException.badRequest("name", "name must have at most 200 characters");
                    Role role = Role.parse(body.role(), "role");
                    Instant expiresAt = TokenExpiry.expiresAt(body.expiresIn(), body.expiresAt(), clock.instant());
                    var t = tokens.create(name, role, who.username(), expiresAt);
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("id", t.id());
                    details.put("role", role.apiName());
                    if (t.expiresAt() != null)
                        details.put("expires_at", t.expiresAt().toString());
                    audit.record(who, "token.create", name, details);
                    return new NewTokenView(t.id(), t.name(), t.role().apiName(), t.token(), t.expiresAt());
                });
        routes.add(Endpoint.delete("/tokens/{id}", Role.ADMIN, "Revoke an API token"), (ctx, who) -> {
            long id;
            try {
                id = Long.parseLong(ctx.pathParam("id"));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("id", "id must be an integer");
            }
            tokens.delete(id);
            audit.record(who, "token.delete", Long.toString(id), Map.of());
            return null;
        });
        routes.add(
                Endpoint.get("/audit", Role.ADMIN, "Audit log, newest first")
                        .query("limit", "cursor")
                        .returns(Types.page(AuditLog.Entry.class)),
                (ctx, who) -> audit.page(Params.limit(ctx, Params.DEFAULT_LIMIT), Params.string(ctx, "cursor")));
    }

    private static UserView view(UserStore.User u) {
        return new UserView(u.username(), u.role().apiName(), u.createdAt());
    }
}
