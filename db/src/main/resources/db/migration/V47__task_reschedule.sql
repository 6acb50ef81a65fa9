-- Sensors in reschedule mode: between two checks the task instance gives its worker slot back and waits as
-- 'up_for_reschedule' until ready_at, then any node may claim it again (like 'up_for_retry', but no try spent).
-- Each check is an attempt of its own, ended 'rescheduled' when the condition did not hold yet.
alter table task_instance drop constraint task_instance_state_ck;
alter table task_instance add constraint task_instance_state_ck check (state in ('pending', 'queued', 'running',
    'success', 'failed', 'up_for_retry', 'up_for_reschedule', 'upstream_failed', 'skipped', 'cancelled'));

alter table attempt drop constraint attempt_state_ck;
alter table attempt add constraint attempt_state_ck
    check (state in ('running', 'success', 'failed', 'timed_out', 'lost', 'cancelled', 'handed_back', 'rescheduled'));

-- When the current wait's first check ran: the sensor's own timeout counts from here, whichever node runs the
-- next check and across restarts. Null when no rescheduled wait is under way.
alter table task_instance add column first_check_at timestamptz;
-- Checks that ended rescheduled, over the instance's life: each took an attempt (a try number) but spent no try,
-- so the tries spent are try_number - reschedule_count (retry backoff counts those).
alter table task_instance add column reschedule_count integer not null default 0;

-- Partial indexes only (nothing jOOQ generates); its H2 simulation cannot drop an index it tied to a foreign key.
-- [jooq ignore start]
drop index task_instance_claim_ix;
create index task_instance_claim_ix on task_instance (queue, ready_at, id)
    where state in ('queued', 'up_for_retry', 'up_for_reschedule');
drop index task_instance_unfinished_ix;
create index task_instance_unfinished_ix on task_instance (run_id)
    where state in ('pending', 'queued', 'running', 'up_for_retry', 'up_for_reschedule');
-- [jooq ignore stop]
