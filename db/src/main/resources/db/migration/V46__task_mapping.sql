-- Dynamic task mapping: a task with `expand:` runs as one task instance per item of a list. Every task keeps one
-- row until it is expanded (map_index -1, as in Airflow); expansion turns that row into instance 0 and inserts
-- instances 1..N-1 in one statement, each with its item. A task's state for the decider is the aggregate of its
-- rows, read with one grouped query (TaskInstanceRepository.states), so the cost of deciding stays per task.
alter table task_instance add column map_index integer not null default -1;
-- The item this instance runs on (jsonb: any JSON value, null included); null for a task that is not mapped.
alter table task_instance add column map_item jsonb;
-- max_active_instances of a mapped task, copied onto each of its instances so the limited claim needs no DAG
-- lookup; null: no limit (and the plain claim may take the row).
alter table task_instance add column map_limit integer;
alter table task_instance add constraint task_instance_map_limit_ck check (map_limit is null or map_limit >= 1);
alter table task_instance drop constraint task_instance_run_task_uq;
alter table task_instance add constraint task_instance_run_task_uq unique (run_id, task_id, map_index);
-- Instances under max_active_instances, claimable or running: the limited claim counts running ones per mapped
-- task and decides whether limits may bind at all from this index alone.
create index task_instance_map_limit_ix on task_instance (run_id, task_id)
    where map_limit is not null and state in ('queued', 'up_for_retry', 'running');

-- Live events name the instance: a mapped task's instances share their task id.
-- [jooq ignore start]
create or replace function sluice_notify_task() returns trigger language plpgsql as $$
begin
    perform pg_notify('sluice_events', json_build_object(
        'kind', 'task', 'dag_id', new.dag_id,
        'run_id', (select r.run_id from dag_run r where r.id = new.run_id),
        'task_id', new.task_id, 'map_index', new.map_index, 'state', new.state, 'try_number', new.try_number,
        'ready_at', extract(epoch from new.ready_at) * 1000,
        'started_at', extract(epoch from new.started_at) * 1000,
        'ended_at', extract(epoch from new.ended_at) * 1000)::text);
    return null;
end $$;
-- [jooq ignore stop]
