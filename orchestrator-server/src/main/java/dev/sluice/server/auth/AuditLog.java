package dev.sluice.server.auth;

import static dev.sluice.server.db.jooq.Tables.AUDIT_LOG;

import dev.sluice.server.http.Cursor;
import dev.sluice.server.http.Page;
import dev.sluice.store.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Who did what, when: every state-changing API call that succeeded. Never holds a secret. */
public final class AuditLog {
    private final DSLContext dsl;

    public AuditLog(DSLContext dsl) {
        this.dsl = dsl;
    }

    public record Entry(Instant at, String actor, String action, String target, Map<String, Object> details) {}

    public void record(Principal who, String action, String target, Map<String, Object> details) {
        dsl.insertInto(AUDIT_LOG)
                .set(AUDIT_LOG.ACTOR, who == null ? "anonymous" : who.name())
                .set(AUDIT_LOG.ACTION, action)
                .set(AUDIT_LOG.TARGET, target)
                .set(AUDIT_LOG.DETAILS, Json.jsonb(details == null ? Map.of() : details))
                .execute();
    }

    /** Newest first, keyset-paged by (at, id). */
    public Page<Entry> page(int limit, String cursor) {
        var cond = DSL.noCondition();
        if (cursor != null) {
            var k = Cursor.timeKey(cursor);
            cond = DSL.row(AUDIT_LOG.AT, AUDIT_LOG.ID).lt(dev.sluice.store.TaskInstanceRepository.utc(k.at()), k.id());
        }
        var rows = dsl.selectFrom(AUDIT_LOG)
                .where(cond)
                .orderBy(AUDIT_LOG.AT.desc(), AUDIT_LOG.ID.desc())
                .limit(limit + 1)
                .fetch();
        List<Entry> items = rows.stream()
                .limit(limit)
                .map(r -> new Entry(
                        r.getAt().toInstant(), r.getActor(), r.getAction(), r.getTarget(), Json.map(r.getDetails())))
                .toList();
        String next = rows.size() > limit
                ? Cursor.of(
                        rows.get(limit - 1).getAt().toInstant(),
                        rows.get(limit - 1).getId())
                : null;
        return new Page<>(items, next);
    }
}
