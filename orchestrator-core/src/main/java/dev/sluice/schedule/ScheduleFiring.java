package dev.sluice.schedule;

import java.time.Instant;
import java.util.List;

/**
 * What happens when a DAG's schedule fires. Quartz calls it from its job; tests call it by hand with an injected
 * clock. Idempotent: firing twice for the same moment creates nothing twice.
 */
public interface ScheduleFiring {

    /** Creates the runs due now for {@code dagId} and says when to fire next. */
    Fired fire(String dagId);

    /**
     * @param created logical dates of the runs this fire created, oldest first
     * @param nextFire when to fire again (clock time); null when the DAG needs no more fires (no schedule,
     *                 inactive, or past its end_date)
     */
    record Fired(List<Instant> created, Instant nextFire) {}
}
