-- The HTTP API's own tables (users, sessions, API tokens, audit log, backfills) and the live-event trigger.
-- Secrets are never stored: passwords as BCrypt hashes, session ids and API tokens as SHA-256 hex.

create table app_user (
    username       varchar(100) primary key,
    password_hash  varchar(200) not null,
    role           varchar(20)  not null,
    created_at     timestamptz  not null default now(),
    updated_at     timestamptz  not null default now(),
    constraint app_user_role_ck check (role in ('viewer', 'operator', 'admin'))
);

create table user_session (
    id_hash     varchar(64)  primary key,
    username    varchar(100) not null references app_user (username) on delete cascade,
    created_at  timestamptz  not null default now(),
    expires_at  timestamptz  not null
);
create index user_session_user_ix on user_session (username);

create table api_token (
    id          bigserial    primary key,
    name        varchar(200) not null,
    token_hash  varchar(64)  not null,
    role        varchar(20)  not null,
    created_by  varchar(100) not null,
    created_at  timestamptz  not null default now(),
    constraint api_token_hash_uq unique (token_hash),
    constraint api_token_role_ck check (role in ('viewer', 'operator', 'admin'))
);

create table audit_log (
    id       bigserial    primary key,
    at       timestamptz  not null default now(),
    actor    varchar(250) not null,
    action   varchar(100) not null,
    target   varchar(1000),
    details  jsonb        not null default '{}'
);

create table backfill (
    id               bigserial    primary key,
    dag_id           varchar(250) not null references dag (dag_id),
    from_date        date         not null,
    to_date          date         not null,
    max_active_runs  integer      not null,
    rerun_existing   boolean      not null default false,
    runs_created     integer      not null default 0,
    created_by       varchar(250),
    created_at       timestamptz  not null default now()
);
create index backfill_dag_ix on backfill (dag_id, id desc);

-- Which runs a backfill created, so its state can be read from them.
alter table dag_run add column backfill_id bigint references backfill (id);
create index dag_run_backfill_ix on dag_run (backfill_id) where backfill_id is not null;

-- The failure list pages by (ended_at, id) across all DAGs; this index serves it per DAG too.
create index task_instance_failed_dag_ix on task_instance (dag_id, ended_at desc, id desc) where state = 'failed';

-- jOOQ's DDL parser does not read PL/pgSQL; the triggers generate no Java anyway.
-- [jooq ignore start]
-- Live events without touching the engine: every state change of a task instance or run, and every pause flag
-- change, is announced on channel sluice_events at commit. The payload carries the times the metrics need.
create function sluice_notify_task() returns trigger language plpgsql as $$
begin
    perform pg_notify('sluice_events', json_build_object(
        'kind', 'task', 'dag_id', new.dag_id,
        'run_id', (select r.run_id from dag_run r where r.id = new.run_id),
        'task_id', new.task_id, 'state', new.state, 'try_number', new.try_number,
        'ready_at', extract(epoch from new.ready_at) * 1000,
        'started_at', extract(epoch from new.started_at) * 1000,
        'ended_at', extract(epoch from new.ended_at) * 1000)::text);
    return null;
end $$;

create trigger task_instance_state_events after update of state on task_instance
    for each row when (old.state is distinct from new.state) execute function sluice_notify_task();

create function sluice_notify_run() returns trigger language plpgsql as $$
begin
    perform pg_notify('sluice_events', json_build_object(
        'kind', 'run', 'dag_id', new.dag_id, 'run_id', new.run_id, 'state', new.state)::text);
    return null;
end $$;

create trigger dag_run_insert_events after insert on dag_run
    for each row execute function sluice_notify_run();
create trigger dag_run_state_events after update of state on dag_run
    for each row when (old.state is distinct from new.state) execute function sluice_notify_run();

create function sluice_notify_dag() returns trigger language plpgsql as $$
begin
    perform pg_notify('sluice_events', json_build_object(
        'kind', 'dag', 'dag_id', new.dag_id, 'is_paused', new.is_paused)::text);
    return null;
end $$;

create trigger dag_pause_events after update of is_paused on dag
    for each row when (old.is_paused is distinct from new.is_paused) execute function sluice_notify_dag();
-- [jooq ignore stop]
