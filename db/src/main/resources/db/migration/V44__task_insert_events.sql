-- A run that starts as it is created (RunCoordinator.createRuns) inserts its first tasks already queued: one write
-- per task instead of an insert and an update. Announce those tasks on the live-event channel as the update
-- trigger (V10) announces a state change, so listeners see the same events either way.
-- [jooq ignore start]
create trigger task_instance_insert_events after insert on task_instance
    for each row when (new.state <> 'pending') execute function sluice_notify_task();
-- [jooq ignore stop]
