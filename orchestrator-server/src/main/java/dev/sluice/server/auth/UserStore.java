package dev.sluice.server.auth;

import static dev.sluice.db.jooq.Tables.APP_USER;
import static dev.sluice.db.jooq.Tables.USER_SESSION;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;

/** Users and their login sessions. Only hashes are stored: BCrypt for passwords, SHA-256 for session ids. */
public final class UserStore {
    private final DSLContext dsl;

    public UserStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    public record User(String username, Role role, Instant createdAt) {}

    public List<User> list() {
        return dsl.selectFrom(APP_USER).orderBy(APP_USER.USERNAME)
                .fetch(r -> new User(r.getUsername(), Role.valueOf(r.getRole().toUpperCase()), r.getCreatedAt().toInstant()));
    }

    public Optional<User> get(String username) {
        return dsl.selectFrom(APP_USER).where(APP_USER.USERNAME.eq(username)).fetchOptional()
                .map(r -> new User(r.getUsername(), Role.valueOf(r.getRole().toUpperCase()), r.getCreatedAt().toInstant()));
    }

    public boolean isEmpty() {
        return !dsl.fetchExists(APP_USER);
    }

    /** Creates a user; false when the name is taken. */
    public boolean create(String username, String password, Role role) {
        String hash = Passwords.hash(password);
        try {
            return dsl.insertInto(APP_USER).set(APP_USER.USERNAME, username).set(APP_USER.PASSWORD_HASH, hash)
                    .set(APP_USER.ROLE, role.apiName()).onConflictDoNothing().execute() == 1;
        } catch (IntegrityConstraintViolationException e) {
            return false;
        }
    }

    public void update(String username, Role role, String password) {
        var update = dsl.update(APP_USER).set(APP_USER.UPDATED_AT, OffsetDateTime.now(ZoneOffset.UTC));
        if (role != null) update = update.set(APP_USER.ROLE, role.apiName());
        if (password != null) update = update.set(APP_USER.PASSWORD_HASH, Passwords.hash(password));
        if (update.where(APP_USER.USERNAME.eq(username)).execute() == 0) throw new NoSuchElementException("no user " + username);
        // A changed password or role ends the user's sessions: they log in again under the new terms.
        dsl.deleteFrom(USER_SESSION).where(USER_SESSION.USERNAME.eq(username)).execute();
    }

    public void delete(String username) {
        if (dsl.deleteFrom(APP_USER).where(APP_USER.USERNAME.eq(username)).execute() == 0) {
            throw new NoSuchElementException("no user " + username);
        }
    }

    public long countAdmins() {
        return dsl.fetchCount(APP_USER, APP_USER.ROLE.eq(Role.ADMIN.apiName()));
    }

    /** The user when the password is right; empty otherwise (same time either way). */
    public Optional<User> verify(String username, String password) {
        var row = dsl.selectFrom(APP_USER).where(APP_USER.USERNAME.eq(username)).fetchOptional();
        boolean ok = Passwords.matches(password, row.map(r -> r.getPasswordHash()).orElse(null));
        return ok ? row.map(r -> new User(r.getUsername(), Role.valueOf(r.getRole().toUpperCase()), r.getCreatedAt().toInstant()))
                : Optional.empty();
    }

    /** Opens a session and returns its id, the only time the raw id exists outside the cookie. */
    public String openSession(String username, java.time.Duration ttl) {
        String id = Secrets.random("");
        dsl.insertInto(USER_SESSION).set(USER_SESSION.ID_HASH, Secrets.sha256(id)).set(USER_SESSION.USERNAME, username)
                .set(USER_SESSION.EXPIRES_AT, OffsetDateTime.now(ZoneOffset.UTC).plus(ttl)).execute();
        return id;
    }

    public Optional<Principal> session(String id) {
        return dsl.select(APP_USER.USERNAME, APP_USER.ROLE).from(USER_SESSION).join(APP_USER).on(APP_USER.USERNAME.eq(USER_SESSION.USERNAME))
                .where(USER_SESSION.ID_HASH.eq(Secrets.sha256(id)), USER_SESSION.EXPIRES_AT.gt(OffsetDateTime.now(ZoneOffset.UTC)))
                .fetchOptional(r -> new Principal(r.value1(), Role.valueOf(r.value2().toUpperCase())));
    }

    public void closeSession(String id) {
        dsl.deleteFrom(USER_SESSION).where(USER_SESSION.ID_HASH.eq(Secrets.sha256(id))).execute();
    }
}
