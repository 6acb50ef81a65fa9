package dev.sluice.engine;

import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** The notification that tells every engine's worker that claimable work appeared: one channel, empty payload. */
final class WorkNotices {
    static final String CHANNEL = "sluice_work";

    private WorkNotices() {}

    /** Announces new work; PostgreSQL delivers it at commit and folds several into one per transaction. */
    static void announce(DSLContext tx) {
        tx.select(DSL.function("pg_notify", Object.class, DSL.val(CHANNEL), DSL.val("")))
                .fetch();
    }
}
