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
import java.time.Instant;
import java.util.Map;

/** Users, API tokens and the audit log: admin only. */
public final class AdminRoutes {
    private AdminRoutes() {}

    public record UserView(String username, String role, Instant createdAt) {}

    public record TokenView(long id, String name, String role, String createdBy, Instant createdAt) {}

    /** The only answer that ever holds a raw token. */
    public record NewTokenView(long id, String name, String role, String token) {}

    public static void register(RouteTable routes, UserStore users, TokenStore tokens, AuditLog audit) {
        routes.add(Endpoint.get("/users", Role.ADMIN, "Users").returns(Types.items(UserView.class)),
                (ctx, who) -> new Items<>(users.list().stream().map(AdminRoutes::view).toList()));
        routes.add(Endpoint.post("/users", Role.ADMIN, "Create a user").status(201).returns(UserView.class), Requests.NewUser.class, false,
                (ctx, who, body) -> {
                    String name = Requests.requiredText(body.username(), "username");
                    if (!name.matches("[A-Za-z0-9._@-]{1,100}")) throw ApiException.badRequest("username", "username may hold letters, digits and . _ @ - (at most 100)");
                    Role role = Role.parse(body.role(), "role");
                    if (!users.create(name, body.password(), role)) throw new ApiException(409, "user " + name + " exists", "username");
                    audit.record(who, "user.create", name, Map.of("role", role.apiName()));
                    return view(users.get(name).orElseThrow());
                });
        routes.add(Endpoint.patch("/users/{username}", Role.ADMIN, "Change a user's role or password").returns(UserView.class),
                Requests.UpdateUser.class, false, (ctx, who, body) -> {
                    String name = ctx.pathParam("username");
                    Role role = body.role() == null ? null : Role.parse(body.role(), "role");
                    if (role == null && body.password() == null) throw ApiException.badRequest(null, "give role or password");
                    users.update(name, role, body.password());
                    audit.record(who, "user.update", name, role == null ? Map.of("password", "changed") : Map.of("role", role.apiName()));
                    return view(users.get(name).orElseThrow());
                });
        routes.add(Endpoint.delete("/users/{username}", Role.ADMIN, "Delete a user"), (ctx, who) -> {
            String name = ctx.pathParam("username");
            if (name.equals(who.name())) throw new ApiException(409, "you cannot delete yourself", "username");
            users.delete(name);
            audit.record(who, "user.delete", name, Map.of());
            return null;
        });
        routes.add(Endpoint.get("/tokens", Role.ADMIN, "API tokens (never the secret)").returns(Types.items(TokenView.class)),
                (ctx, who) -> new Items<>(tokens.list().stream()
                        .map(t -> new TokenView(t.id(), t.name(), t.role().apiName(), t.createdBy(), t.createdAt())).toList()));
        routes.add(Endpoint.post("/tokens", Role.ADMIN, "Create an API token; the token is shown only in this answer").status(201)
                        .returns(NewTokenView.class),
                Requests.NewToken.class, false, (ctx, who, body) -> {
                    String name = Requests.requiredText(body.name(), "name");
                    Role role = Role.parse(body.role(), "role");
                    var t = tokens.create(name, role, who.name());
                    audit.record(who, "token.create", name, Map.of("id", t.id(), "role", role.apiName()));
                    return new NewTokenView(t.id(), t.name(), t.role().apiName(), t.token());
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
        routes.add(Endpoint.get("/audit", Role.ADMIN, "Audit log, newest first").query("limit", "cursor")
                        .returns(Types.page(AuditLog.Entry.class)),
                (ctx, who) -> audit.page(Params.limit(ctx, Params.DEFAULT_LIMIT), Params.string(ctx, "cursor")));
    }

    private static UserView view(UserStore.User u) {
        return new UserView(u.username(), u.role().apiName(), u.createdAt());
    }
}
