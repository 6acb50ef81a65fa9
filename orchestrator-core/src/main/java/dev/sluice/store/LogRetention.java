package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;

import dev.sluice.run.AttemptState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record8;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes attempt logs past their retention: older than {@code SLUICE_LOG_RETENTION}, then the oldest while the
 * kept logs add up to more than {@code SLUICE_LOG_RETENTION_BYTES}. Driven by the attempt rows, so the log of a
 * running attempt is never touched, and each deletion is recorded ({@code attempt.log_removed_at}) so the API can
 * say the log was removed. Every node may run it: rows are taken with {@code FOR UPDATE SKIP LOCKED}, deleting a
 * deleted object is no error, and a row is marked once. Finally this node's own log files older than the retention
 * age go too (copies of logs that are shared through a store, or files of rows another node marked).
 */
public final class LogRetention {
    /** How often each node sweeps; retention is counted in days, so the sweep need not be frequent. */
    public static final Duration INTERVAL = Duration.ofMinutes(10);

    private static final Logger log = LoggerFactory.getLogger(LogRetention.class);
    private static final int BATCH = 500;
    /** Bounds one sweep's work; whatever is left waits for the next. */
    private static final int MAX_BATCHES = 20;

    private final DSLContext dsl;
    private final LogStore logs;
    private final Duration age;
    private final long maxTotalBytes;
    private final Clock clock;

    public LogRetention(DSLContext dsl, LogStore logs, Duration age, long maxTotalBytes, Clock clock) {
        this.dsl = dsl;
        this.logs = logs;
        this.age = age;
        this.maxTotalBytes = maxTotalBytes;
        this.clock = clock;
    }

    /**
     * One sweep; returns how many attempts' logs it deleted.
     *
     * @param running the log files of attempts running on this node, which the file sweep leaves alone
     */
    public int sweep(List<Path> running) {
        Instant now = clock.instant();
        OffsetDateTime cutoff = now.minus(age).atOffset(ZoneOffset.UTC);
        int removed = 0;
        for (int i = 0; i < MAX_BATCHES; i++) {
            int n = removeBatch(ATTEMPT.ENDED_AT.lt(cutoff), Long.MAX_VALUE, now);
            removed += n;
            if (n < BATCH) break;
        }
        if (maxTotalBytes > 0) {
            long total = dsl.select(DSL.coalesce(DSL.sum(ATTEMPT.LOG_BYTES), java.math.BigDecimal.ZERO))
                    .from(ATTEMPT)
                    .where(kept())
                    .fetchOne()
                    .value1()
                    .longValue();
            for (int i = 0; i < MAX_BATCHES && total > maxTotalBytes; i++) {
                long before = total;
                int n = removeBatch(DSL.trueCondition(), total - maxTotalBytes, now);
                removed += n;
                total = dsl.select(DSL.coalesce(DSL.sum(ATTEMPT.LOG_BYTES), java.math.BigDecimal.ZERO))
                        .from(ATTEMPT)
                        .where(kept())
                        .fetchOne()
                        .value1()
                        .longValue();
                if (n == 0 || total >= before) break;
            }
        }
        removeOldFiles(now.minus(age), running);
        if (removed > 0) log.info("Log retention removed the logs of {} attempts", removed);
        return removed;
    }

    /** Finished attempts whose log is still kept. */
    private static Condition kept() {
        return ATTEMPT.LOG_REMOVED_AT.isNull().and(ATTEMPT.STATE.ne(AttemptState.RUNNING.dbName()));
    }

    /**
     * Deletes the logs of up to one batch of matching attempts, oldest first, stopping once {@code bytesToFree}
     * is reached; marks their rows. Rows another node is working on are skipped.
     */
    private int removeBatch(Condition which, long bytesToFree, Instant now) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            var rows = tx.select(
                            ATTEMPT.ID,
                            ATTEMPT.LOG_PATH,
                            DAG_RUN.DAG_ID,
                            DAG_RUN.RUN_ID,
                            TASK_INSTANCE.TASK_ID,
                            ATTEMPT.TRY_NUMBER,
                            ATTEMPT.LOG_BYTES,
                            TASK_INSTANCE.MAP_INDEX)
                    .from(ATTEMPT)
                    .join(TASK_INSTANCE)
                    .on(TASK_INSTANCE.ID.eq(ATTEMPT.TASK_INSTANCE_ID))
                    .join(DAG_RUN)
                    .on(DAG_RUN.ID.eq(TASK_INSTANCE.RUN_ID))
                    // An attempt that never logged has nothing to remove; null is an attempt of unknown size.
                    .where(kept(), which, ATTEMPT.LOG_BYTES.isNull().or(ATTEMPT.LOG_BYTES.gt(0L)))
                    .orderBy(ATTEMPT.ENDED_AT, ATTEMPT.ID)
                    .limit(BATCH)
                    .forUpdate()
                    .of(ATTEMPT)
                    .skipLocked()
                    .fetch();
            List<Long> done = new ArrayList<>();
            long freed = 0;
            for (Record8<Long, String, String, String, String, Integer, Long, Integer> r : rows) {
                if (freed >= bytesToFree) break;
                try {
                    logs.delete(
                            LogStore.key(r.value3(), r.value4(), r.value5(), r.value8(), r.value6()),
                            r.value2() == null ? null : Path.of(r.value2()));
                } catch (IOException e) {
                    // Left for the next sweep; the row stays unmarked so it is tried again.
                    log.warn(
                            "Log retention could not delete the log of {}/{}/{} try {}: {}",
                            r.value3(),
                            r.value4(),
                            r.value5(),
                            r.value6(),
                            e.toString());
                    continue;
                }
                done.add(r.value1());
                freed += r.value7() == null ? 0 : r.value7();
            }
            if (!done.isEmpty()) {
                tx.update(ATTEMPT)
                        .set(ATTEMPT.LOG_REMOVED_AT, now.atOffset(ZoneOffset.UTC))
                        .where(ATTEMPT.ID.in(done), ATTEMPT.LOG_REMOVED_AT.isNull())
                        .execute();
            }
            return done.size();
        });
    }

    /** This node's log files last written before {@code before}, except those of attempts running here. */
    private void removeOldFiles(Instant before, List<Path> running) {
        Path root = logs.root();
        if (!Files.isDirectory(root)) return;
        Set<Path> keep = new HashSet<>();
        for (Path p : running) keep.add(p.toAbsolutePath().normalize());
        FileTime limit = FileTime.from(before);
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                try {
                    if (!keep.contains(f.toAbsolutePath().normalize())
                            && Files.getLastModifiedTime(f).compareTo(limit) < 0) {
                        Files.deleteIfExists(f);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.warn("Log retention could not sweep {}: {}", root, e.toString());
        }
    }
}
