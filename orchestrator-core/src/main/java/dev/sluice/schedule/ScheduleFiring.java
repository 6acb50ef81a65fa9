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
     * @param unwanted the DAG does not want a trigger at all now (inactive, unknown, no schedule): the trigger's job
     *                 is dropped, so the schedule sync arms it afresh when the DAG wants one again. A DAG past its
     *                 end_date keeps its job (it still wants the schedule; it just has no more fires).
     */
    record Fired(List<Instant> created, Instant nextFire, boolean unwanted) {
        public Fired(List<Instant> created, Instant nextFire) {
            this(created, nextFire, false);
        }

        static Fired notWanted() {
            return new Fired(List.of(), null, true);
        }
    }
}
