package dev.sluice.schedule;

import java.time.Duration;

/**
 * Quartz settings. {@code instanceId} AUTO lets Quartz name each cluster member; tests that run two members in
 * one JVM name them, since AUTO uses host name plus start millisecond. {@code idleWait} bounds how late a member
 * notices a trigger another member scheduled; {@code checkinInterval} how fast a dead member's triggers move on.
 */
public record SchedulerConfig(
        String instanceId, int threads, Duration idleWait, Duration checkinInterval, Duration backfillTick) {

    public static SchedulerConfig defaults() {
        return new SchedulerConfig("AUTO", 4, Duration.ofSeconds(5), Duration.ofSeconds(7), Duration.ofSeconds(2));
    }

    public SchedulerConfig withInstanceId(String id) {
        return new SchedulerConfig(id, threads, idleWait, checkinInterval, backfillTick);
    }

    public SchedulerConfig withIdleWait(Duration d) {
        return new SchedulerConfig(instanceId, threads, d, checkinInterval, backfillTick);
    }

    public SchedulerConfig withCheckinInterval(Duration d) {
        return new SchedulerConfig(instanceId, threads, idleWait, d, backfillTick);
    }
}
