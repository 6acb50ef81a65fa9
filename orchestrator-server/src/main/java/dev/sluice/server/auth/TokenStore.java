package dev.sluice.server.auth;

import static dev.sluice.db.jooq.Tables.API_TOKEN;

import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.jooq.DSLContext;

/** API tokens for scripts and the CLI. The raw token is returned once at creation; only its SHA-256 is kept. */
public final class TokenStore {
    public static final String PREFIX = "slu_";
    private final DSLContext dsl;

    public TokenStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    public record Token(long id, String name, Role role, String createdBy, Instant createdAt) {}

    public record Created(long id, String name, Role role, String token) {}

    public Created create(String name, Role role, String createdBy) {
        String token = Secrets.random(PREFIX);
        long id = dsl.insertInto(API_TOKEN).set(API_TOKEN.NAME, name).set(API_TOKEN.TOKEN_HASH, Secrets.sha256(token))
                .set(API_TOKEN.ROLE, role.apiName()).set(API_TOKEN.CREATED_BY, createdBy)
                .returningResult(API_TOKEN.ID).fetchOne().value1();
        return new Created(id, name, role, token);
    }

    public List<Token> list() {
        return dsl.selectFrom(API_TOKEN).orderBy(API_TOKEN.ID)
                .fetch(r -> new Token(r.getId(), r.getName(), Role.valueOf(r.getRole().toUpperCase()), r.getCreatedBy(),
                        r.getCreatedAt().toInstant()));
    }

    public void delete(long id) {
        if (dsl.deleteFrom(API_TOKEN).where(API_TOKEN.ID.eq(id)).execute() == 0) throw new NoSuchElementException("no token " + id);
    }

    public Optional<Principal> find(String token) {
        return dsl.select(API_TOKEN.NAME, API_TOKEN.ROLE).from(API_TOKEN).where(API_TOKEN.TOKEN_HASH.eq(Secrets.sha256(token)))
                .fetchOptional(r -> new Principal("token:" + r.value1(), Role.valueOf(r.value2().toUpperCase())));
    }
}
