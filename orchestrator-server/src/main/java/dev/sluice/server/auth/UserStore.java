package dev.sluice.server.auth;

import static dev.sluice.server.db.jooq.Tables.APP_USER;
import static dev.sluice.server.db.jooq.Tables.USER_SESSION;

import dev.sluice.server.db.jooq.tables.records.AppUserRecord;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.jooq.impl.DSL;

/**
 * Users and their login sessions. Only hashes are stored: BCrypt for passwords, SHA-256 for session ids.
 * Usernames are case-insensitive: {@code ADMIN} names the user {@code admin} (a unique index on lower(username)
 * keeps them apart), and every lookup by name answers with the name as it was created.
 */
public final class UserStore {
    private final DSLContext dsl;

    public UserStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    public record User(String username, Role role, Instant createdAt) {}

    /** Refused because it would leave no admin: a 409. */
    public static final class LastAdminException extends IllegalStateException {
        public LastAdminException(String message) {
            super(message);
        }
    }

    private static Condition named(String username) {
        return DSL.lower(APP_USER.USERNAME).eq(DSL.lower(DSL.val(username)));
    }

    private static User user(AppUserRecord r) {
        return new User(
                r.getUsername(), Role.parseStored(r.getRole()), r.getCreatedAt().toInstant());
    }

    public List<User> list() {
        return dsl.selectFrom(APP_USER).orderBy(APP_USER.USERNAME).fetch(UserStore::user);
    }

    public Optional<User> get(String username) {
        return dsl.selectFrom(APP_USER).where(named(username)).fetchOptional().map(UserStore::user);
    }

    public boolean isEmpty() {
        return !dsl.fetchExists(APP_USER);
    }

    /** Creates a user; false when the name is taken, in any case. */
    public boolean create(String username, String password, Role role) {
        String hash = Passwords.hash(password);
        try {
            return dsl.insertInto(APP_USER)
                            .set(APP_USER.USERNAME, username)
                            .set(APP_USER.PASSWORD_HASH, hash)
                            .set(APP_USER.ROLE, role.apiName())
                            .onConflictDoNothing()
                            .execute()
                    == 1;
        } catch (IntegrityConstraintViolationException e) {
            return false;
        }
    }

    /** Changes role and/or password; refuses to demote the last admin. Returns the user as it is now. */
    public User update(String username, Role role, String password) {
        String hash = password == null ? null : Passwords.hash(password);
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            AppUserRecord current = tx.selectFrom(APP_USER)
                    .where(named(username))
                    .fetchOptional()
                    .orElseThrow(() -> new NoSuchElementException("no user " + username));
            String name = current.getUsername();
            if (role != null && role != Role.ADMIN) keepAnAdminBesides(tx, name, "demote");
            var update = tx.update(APP_USER).set(APP_USER.UPDATED_AT, OffsetDateTime.now(ZoneOffset.UTC));
            if (role != null) update = update.set(APP_USER.ROLE, role.apiName());
            if (hash != null) update = update.set(APP_USER.PASSWORD_HASH, hash);
            AppUserRecord updated = update.where(APP_USER.USERNAME.eq(name))
                    .returning()
                    .fetchOptional()
                    .orElseThrow(() -> new NoSuchElementException("no user " + username));
            // A changed password or role ends the user's sessions: they log in again under the new terms.
            tx.deleteFrom(USER_SESSION).where(USER_SESSION.USERNAME.eq(name)).execute();
            return user(updated);
        });
    }

    /** Deletes a user with its sessions and API tokens (foreign keys cascade); refuses to delete the last admin. */
    public void delete(String username) {
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            String name = tx.select(APP_USER.USERNAME)
                    .from(APP_USER)
                    .where(named(username))
                    .fetchOptional(APP_USER.USERNAME)
                    .orElseThrow(() -> new NoSuchElementException("no user " + username));
            keepAnAdminBesides(tx, name, "delete");
            if (tx.deleteFrom(APP_USER).where(APP_USER.USERNAME.eq(name)).execute() == 0) {
                throw new NoSuchElementException("no user " + username);
            }
        });
    }

    /**
     * Inside the caller's transaction: when {@code name} is an admin, makes sure another admin remains. All admin
     * rows are locked in one order, so two concurrent demotions of the last two admins serialize (the second one
     * re-reads the rows after the first commits, sees one admin left and is refused) and cannot deadlock.
     */
    private static void keepAnAdminBesides(DSLContext tx, String name, String verb) {
        List<String> admins = tx.select(APP_USER.USERNAME)
                .from(APP_USER)
                .where(APP_USER.ROLE.eq(Role.ADMIN.apiName()))
                .orderBy(APP_USER.USERNAME)
                .forUpdate()
                .fetch(APP_USER.USERNAME);
        if (admins.contains(name) && admins.size() == 1) {
            throw new LastAdminException(
                    "cannot " + verb + " " + name + ": the last admin; make another user admin first");
        }
    }

    public long countAdmins() {
        return dsl.fetchCount(APP_USER, APP_USER.ROLE.eq(Role.ADMIN.apiName()));
    }

    /** The user when the password is right; empty otherwise (same time either way). The name matches in any case. */
    public Optional<User> verify(String username, String password) {
        var row = dsl.selectFrom(APP_USER).where(named(username)).fetchOptional();
        boolean ok = Passwords.matches(
                password, row.map(AppUserRecord::getPasswordHash).orElse(null));
        return ok ? row.map(UserStore::user) : Optional.empty();
    }

    /** Opens a session and returns its id, the only time the raw id exists outside the cookie. */
    public String openSession(String username, java.time.Duration ttl) {
        String id = Secrets.random("");
        dsl.insertInto(USER_SESSION)
                .set(USER_SESSION.ID_HASH, Secrets.sha256(id))
                .set(USER_SESSION.USERNAME, username)
                .set(USER_SESSION.EXPIRES_AT, OffsetDateTime.now(ZoneOffset.UTC).plus(ttl))
                .execute();
        return id;
    }

    public Optional<Principal> session(String id) {
        return dsl.select(APP_USER.USERNAME, APP_USER.ROLE)
                .from(USER_SESSION)
                .join(APP_USER)
                .on(APP_USER.USERNAME.eq(USER_SESSION.USERNAME))
                .where(
                        USER_SESSION.ID_HASH.eq(Secrets.sha256(id)),
                        USER_SESSION.EXPIRES_AT.gt(OffsetDateTime.now(ZoneOffset.UTC)))
                .fetchOptional(r -> new Principal(r.value1(), Role.parseStored(r.value2())));
    }

    public void closeSession(String id) {
        dsl.deleteFrom(USER_SESSION)
                .where(USER_SESSION.ID_HASH.eq(Secrets.sha256(id)))
                .execute();
    }
}
