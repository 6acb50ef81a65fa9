-- Task live events per statement instead of per row. The row triggers (V10, V44, V46) called pg_notify once per
-- changed task instance: three notifications per task, each a trigger call, a run-id lookup and a queue entry;
-- measured at ~12 % of PostgreSQL's time in BENCHMARKS.md §1 (b). A statement-level trigger reads the statement's
-- rows from its transition tables and sends them as JSON arrays of the same event objects, each notification kept
-- under PostgreSQL's 8,000-byte payload limit, so a batch of 500 claims is a handful of notifications.
-- EventHub reads both forms (an object, as the run, dag and deadline events stay, or an array of them).
-- [jooq ignore start]
drop trigger task_instance_state_events on task_instance;
drop trigger task_instance_insert_events on task_instance;
drop function sluice_notify_task();

-- Sends the events as arrays of at most ~7,500 bytes; the order is the statement's rows by id.
create function sluice_notify_task_events(events text[]) returns void language plpgsql as $$
declare
    ev   text;
    buf  text := '';
    size int  := 0;
begin
    foreach ev in array coalesce(events, '{}') loop
        if size > 0 and size + octet_length(ev) + 2 > 7500 then
            perform pg_notify('sluice_events', '[' || buf || ']');
            buf := '';
            size := 0;
        end if;
        buf := case when size = 0 then ev else buf || ',' || ev end;
        size := size + octet_length(ev) + 1;
    end loop;
    if size > 0 then
        perform pg_notify('sluice_events', '[' || buf || ']');
    end if;
end $$;

create function sluice_task_event(t task_instance, run_id text) returns text language sql stable as $$
    select json_build_object(
        'kind', 'task', 'dag_id', t.dag_id, 'run_id', run_id,
        'task_id', t.task_id, 'map_index', t.map_index, 'state', t.state, 'try_number', t.try_number,
        'ready_at', extract(epoch from t.ready_at) * 1000,
        'started_at', extract(epoch from t.started_at) * 1000,
        'ended_at', extract(epoch from t.ended_at) * 1000)::text
$$;

-- A state change: rows whose state differs before and after the statement.
create function sluice_notify_task_updates() returns trigger language plpgsql as $$
begin
    perform sluice_notify_task_events(array(
        select sluice_task_event(n, r.run_id)
          from changed_new n
          join changed_old o on o.id = n.id
          join dag_run r on r.id = n.run_id
         where o.state is distinct from n.state
         order by n.id));
    return null;
end $$;

-- Tasks inserted already queued (a run that starts as it is created, V44) or as mapped instances.
create function sluice_notify_task_inserts() returns trigger language plpgsql as $$
begin
    perform sluice_notify_task_events(array(
        select sluice_task_event(n, r.run_id)
          from inserted n
          join dag_run r on r.id = n.run_id
         where n.state <> 'pending'
         order by n.id));
    return null;
end $$;

-- Transition tables rule out a column list (UPDATE OF state): the function compares the states itself.
create trigger task_instance_state_events after update on task_instance
    referencing old table as changed_old new table as changed_new
    for each statement execute function sluice_notify_task_updates();
create trigger task_instance_insert_events after insert on task_instance
    referencing new table as inserted
    for each statement execute function sluice_notify_task_inserts();
-- [jooq ignore stop]
