package dev.sluice.schedule;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import javax.sql.DataSource;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quartz side: one durable job per scheduled DAG with a one-shot trigger at the DAG's next fire instant, in
 * Quartz's clustered JDBC store in our database, using our connection pool. When a trigger fires (on exactly one
 * cluster member) the job calls {@link ScheduleFiring} and re-arms its trigger for the instant that returns.
 * Quartz decides nothing about dates: it only fires.
 *
 * <p>Triggers are set on Quartz's wall clock. With an injected clock that is not the system clock (tests) an
 * instant is translated by the current difference between the two.
 */
final class QuartzTriggers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuartzTriggers.class);
    static final String GROUP = "sluice-dag-schedules";
    static final String SCHEDULER_NAME = "sluice";
    private static final String SPEC = "spec";

    private final Scheduler scheduler;
    private final Clock clock;
    private final String dataSourceName;

    QuartzTriggers(DataSource dataSource, ScheduleFiring firing, Clock clock, SchedulerConfig config) {
        this.clock = clock;
        // Quartz finds connection providers by name in a JVM-wide registry; a name per instance keeps two
        // instances in one JVM (the cluster test) apart.
        this.dataSourceName = "sluice-" + UUID.randomUUID();
        DBConnectionManager.getInstance().addConnectionProvider(dataSourceName, new PooledConnections(dataSource));
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", SCHEDULER_NAME);
        p.setProperty("org.quartz.scheduler.instanceId", config.instanceId());
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty(
                "org.quartz.scheduler.idleWaitTime",
                String.valueOf(config.idleWait().toMillis()));
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(config.threads()));
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "sluice-schedule");
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        p.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", dataSourceName);
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty(
                "org.quartz.jobStore.clusterCheckinInterval",
                String.valueOf(config.checkinInterval().toMillis()));
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        // Job data as strings, not serialized Java objects: readable, and safe across our releases.
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
        try {
            StdSchedulerFactory factory = new StdSchedulerFactory(p);
            this.scheduler = factory.getScheduler();
            // We own this Scheduler object; Quartz's JVM-wide registry would hand it to the next factory asking for
            // "sluice" instead of building a second cluster member.
            SchedulerRepository.getInstance().remove(SCHEDULER_NAME);
            scheduler.setJobFactory((bundle, s) -> new FireJob(firing, this));
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot create the Quartz scheduler: " + e.getMessage(), e);
        }
    }

    void start() {
        try {
            scheduler.start();
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot start the Quartz scheduler: " + e.getMessage(), e);
        }
    }

    /** The schedule spec each DAG's job was armed with, by DAG id. */
    Map<String, String> scheduled() {
        Map<String, String> out = new HashMap<>();
        try {
            for (JobKey k : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(GROUP))) {
                JobDetail d = scheduler.getJobDetail(k);
                if (d != null) out.put(k.getName(), d.getJobDataMap().getString(SPEC));
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot list Quartz jobs: " + e.getMessage(), e);
        }
        return out;
    }

    /** The spec the DAG's job was armed with, or null when it has none. */
    String spec(String dagId) {
        try {
            JobDetail d = scheduler.getJobDetail(JobKey.jobKey(dagId, GROUP));
            return d == null ? null : d.getJobDataMap().getString(SPEC);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot read the Quartz job of DAG " + dagId + ": " + e.getMessage(), e);
        }
    }

    /** Whether the DAG's job has a trigger waiting to fire. */
    boolean hasTrigger(String dagId) {
        try {
            return scheduler.checkExists(TriggerKey.triggerKey(dagId, GROUP));
        } catch (SchedulerException e) {
            throw new IllegalStateException(
                    "cannot read the Quartz trigger of DAG " + dagId + ": " + e.getMessage(), e);
        }
    }

    /** Stores the DAG's job (replacing one with another spec) and arms its trigger for {@code fireAt}. */
    void arm(String dagId, String spec, Instant fireAt) {
        JobDetail job = JobBuilder.newJob(FireJob.class)
                .withIdentity(dagId, GROUP)
                .storeDurably()
                .usingJobData(SPEC, spec)
                .build();
        try {
            scheduler.addJob(job, true);
            rearm(dagId, fireAt);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot schedule DAG " + dagId + ": " + e.getMessage(), e);
        }
    }

    /** Moves the DAG's trigger to {@code fireAt} (clock time); now when it is in the past. */
    void rearm(String dagId, Instant fireAt) throws SchedulerException {
        TriggerKey key = TriggerKey.triggerKey(dagId, GROUP);
        Trigger trigger = TriggerBuilder.newTrigger()
                .withIdentity(key)
                .forJob(dagId, GROUP)
                .startAt(Date.from(wallTime(fireAt)))
                // A fire missed while every server was down happens at start-up; the job works out what is due.
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
                .build();
        if (scheduler.checkExists(key)) scheduler.rescheduleJob(key, trigger);
        else scheduler.scheduleJob(trigger);
    }

    void remove(String dagId) {
        try {
            scheduler.deleteJob(JobKey.jobKey(dagId, GROUP));
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot unschedule DAG " + dagId + ": " + e.getMessage(), e);
        }
    }

    /** The DAGs whose job has a trigger waiting to fire (one query). */
    java.util.Set<String> withTrigger() {
        try {
            java.util.Set<String> out = new java.util.HashSet<>();
            for (TriggerKey k : scheduler.getTriggerKeys(GroupMatcher.triggerGroupEquals(GROUP))) out.add(k.getName());
            return out;
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot list Quartz triggers: " + e.getMessage(), e);
        }
    }

    /** When the DAG's trigger fires next, in clock time. */
    Instant nextFire(String dagId) {
        try {
            Trigger t = scheduler.getTrigger(TriggerKey.triggerKey(dagId, GROUP));
            if (t == null || t.getNextFireTime() == null) return null;
            return clock.instant()
                    .plus(Duration.between(Instant.now(), t.getNextFireTime().toInstant()));
        } catch (SchedulerException e) {
            throw new IllegalStateException(e);
        }
    }

    private Instant wallTime(Instant clockTime) {
        Duration ahead = Duration.between(clock.instant(), clockTime);
        return ahead.isNegative() ? Instant.now() : Instant.now().plus(ahead);
    }

    @Override
    public void close() {
        try {
            scheduler.shutdown(true);
        } catch (SchedulerException e) {
            log.warn("Quartz did not shut down cleanly: {}", e.toString());
        }
    }

    /** One fire of one DAG's schedule. Not concurrent per DAG, across the cluster. */
    @DisallowConcurrentExecution
    static final class FireJob implements Job {
        private final ScheduleFiring firing;
        private final QuartzTriggers triggers;

        FireJob(ScheduleFiring firing, QuartzTriggers triggers) {
            this.firing = firing;
            this.triggers = triggers;
        }

        @Override
        public void execute(JobExecutionContext context) {
            String dagId = context.getJobDetail().getKey().getName();
            Instant next;
            try {
                var fired = firing.fire(dagId);
                if (fired.unwanted()) {
                    // Dropping the job, not just leaving it without a trigger: a trigger-less job with an unchanged
                    // spec looks armed to the schedule sync, which would then never arm it again when the DAG
                    // becomes active again (a schedule that died silently and for good).
                    log.info(
                            "DAG {} is not active or has no schedule at its fire: schedule dropped until it is", dagId);
                    triggers.remove(dagId);
                    return;
                }
                next = fired.nextFire();
            } catch (RuntimeException e) {
                // The next fire retries what this one could not do (the database may be failing over).
                log.warn("Schedule of DAG {} failed to fire, trying again in 30s: {}", dagId, e.toString());
                next = triggers.clock.instant().plusSeconds(30);
            }
            try {
                // No next fire (past end_date, schedule gone): the durable job stays without a trigger, so the
                // schedule sync does not see it as missing; the sync removes it when the DAG goes.
                if (next != null) triggers.rearm(dagId, next);
            } catch (SchedulerException e) {
                log.warn("Could not re-arm the schedule of DAG {}: {}", dagId, e.toString());
            }
        }
    }

    /** Quartz borrows connections from our pool; shutting Quartz down must not close the pool. */
    private record PooledConnections(DataSource dataSource) implements ConnectionProvider {
        @Override
        public Connection getConnection() throws SQLException {
            return dataSource.getConnection();
        }

        @Override
        public void shutdown() {}

        @Override
        public void initialize() {}
    }
}
