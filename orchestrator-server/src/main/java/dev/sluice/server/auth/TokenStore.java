package dev.sluice.server.auth;

import static dev.sluice.server.db.jooq.Tables.API_TOKEN;
import static dev.sluice.server.db.jooq.Tables.APP_USER;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * API tokens for scripts and the CLI. The raw token is returned once at creation; only its SHA-256 is kept.
 * A token belongs to the user who created it ({@code created_by}, a foreign key with ON DELETE CASCADE): it dies
 * with that user and never acts with more than that user's current role.
 */
public final class TokenStore {
    public static final String PREFIX = "slu_";
    private final DSLContext dsl;

    public TokenStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** {@code expiresAt} null: the token does not expire. */
    public record Token(long id, String name, Role role, String createdBy, Instant createdAt, Instant expiresAt) {
        public boolean expiredAt(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }
    }

    public record Created(long id, String name, Role role, String token, Instant expiresAt) {}

    /** What a presented token resolves to; the caller decides what an expired one means. */
    public record Match(Principal principal, Instant expiresAt) {
        public boolean expiredAt(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }
    }

    /** A token for {@code owner}, an existing username (else the foreign key refuses it). */
    public Created create(String name, Role role, String owner, Instant requestedExpiry) {
        // PostgreSQL keeps microseconds: the answer shows the time that is stored and listed.
        Instant expiresAt = requestedExpiry == null ? null : requestedExpiry.truncatedTo(ChronoUnit.MICROS);
        String token = Secrets.random(PREFIX);
        long id = dsl.insertInto(API_TOKEN)
                .set(API_TOKEN.NAME, name)
                .set(API_TOKEN.TOKEN_HASH, Secrets.sha256(token))
                .set(API_TOKEN.ROLE, role.apiName())
                .set(API_TOKEN.CREATED_BY, owner)
                .set(API_TOKEN.EXPIRES_AT, expiresAt == null ? null : expiresAt.atOffset(ZoneOffset.UTC))
                .returningResult(API_TOKEN.ID)
                .fetchOne()
                .value1();
        return new Created(id, name, role, token, expiresAt);
    }

    /** A token that does not expire. */
    public Created create(String name, Role role, String owner) {
        return create(name, role, owner, null);
    }

    public List<Token> list() {
        return dsl.selectFrom(API_TOKEN)
                .orderBy(API_TOKEN.ID)
                .fetch(r -> new Token(
                        r.getId(),
                        r.getName(),
                        Role.parseStored(r.getRole()),
                        r.getCreatedBy(),
                        r.getCreatedAt().toInstant(),
                        r.getExpiresAt() == null ? null : r.getExpiresAt().toInstant()));
    }

    public void delete(long id) {
        if (dsl.deleteFrom(API_TOKEN).where(API_TOKEN.ID.eq(id)).execute() == 0)
            throw new NoSuchElementException("no token " + id);
    }

    /**
     * The token's principal: named {@code token:NAME}, acting for its owner with the smaller of the token's and
     * the owner's current role. The join is the authentication-time check that the owner still exists (the
     * foreign key already deleted the tokens of deleted users; this holds even if a row slipped past it).
     */
    public Optional<Match> find(String token) {
        return dsl.select(API_TOKEN.NAME, API_TOKEN.ROLE, API_TOKEN.EXPIRES_AT, APP_USER.USERNAME, APP_USER.ROLE)
                .from(API_TOKEN)
                .join(APP_USER)
                .on(APP_USER.USERNAME.eq(API_TOKEN.CREATED_BY))
                .where(API_TOKEN.TOKEN_HASH.eq(Secrets.sha256(token)))
                .fetchOptional(r -> new Match(
                        new Principal(
                                "token:" + r.value1(),
                                Role.lesser(Role.parseStored(r.value2()), Role.parseStored(r.value5())),
                                r.value4()),
                        r.value3() == null ? null : r.value3().toInstant()));
    }
}
