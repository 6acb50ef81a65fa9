-- Sluice engine schema. States are text with CHECK constraints (not enum types) so a new state is a
-- constraint change, not a type migration. Indexed text columns are varchar so jOOQ's DDLDatabase maps them.

create table dag (
    dag_id            varchar(250) primary key,
    file_path         varchar(2000),
    is_paused         boolean      not null default false,
    -- false once the DAG's file disappears; its history stays.
    is_active         boolean      not null default true,
    latest_version_id bigint,
    schedule          varchar(200),
    timezone          varchar(100),
    description       text,
    tags              jsonb        not null default '[]',
    created_at        timestamptz  not null default now(),
    updated_at        timestamptz  not null default now()
);

create table dag_version (
    id          bigserial primary key,
    dag_id      varchar(250) not null references dag (dag_id),
    version_no  integer      not null,
    -- sha-256 of the canonical definition: the same definition is stored once.
    hash        varchar(64)  not null,
    source      text,
    -- json, not jsonb: jsonb reorders object keys, and order in task config can matter (a CSV's column list)
    definition  json         not null,
    created_at  timestamptz  not null default now(),
    constraint dag_version_hash_uq unique (dag_id, hash),
    constraint dag_version_no_uq unique (dag_id, version_no)
);

alter table dag add constraint dag_latest_version_fk foreign key (latest_version_id) references dag_version (id);

create table import_error (
    file_path   varchar(2000) primary key,
    errors      jsonb        not null,
    created_at  timestamptz  not null default now()
);

create table dag_run (
    id                  bigserial primary key,
    dag_id              varchar(250) not null references dag (dag_id),
    run_id              varchar(250) not null,
    dag_version_id      bigint       not null references dag_version (id),
    state               varchar(20)  not null,
    run_type            varchar(20)  not null,
    logical_date        timestamptz  not null,
    data_interval_start timestamptz,
    data_interval_end   timestamptz,
    params              jsonb        not null default '{}',
    triggered_by        varchar(250),
    queued_at           timestamptz  not null default now(),
    started_at          timestamptz,
    ended_at            timestamptz,
    constraint dag_run_state_ck check (state in ('queued', 'running', 'success', 'failed', 'cancelled')),
    constraint dag_run_type_ck check (run_type in ('manual', 'scheduled', 'backfill', 'test')),
    constraint dag_run_run_id_uq unique (dag_id, run_id),
    -- one run per DAG and logical date: a double fire of a schedule cannot double a run.
    constraint dag_run_logical_date_uq unique (dag_id, logical_date)
);
create index dag_run_dag_date_ix on dag_run (dag_id, logical_date desc, id desc);
create index dag_run_active_ix on dag_run (dag_id, state) where state in ('queued', 'running');
create index dag_run_date_ix on dag_run (logical_date desc, id desc);

create table task_instance (
    id            bigserial primary key,
    run_id        bigint       not null references dag_run (id) on delete cascade,
    dag_id        varchar(250) not null,
    task_id       varchar(250) not null,
    state         varchar(20)  not null,
    -- attempts started so far; the next attempt is try_number + 1.
    try_number    integer      not null default 0,
    max_tries     integer      not null default 1,
    -- when a queued or up_for_retry task may be claimed (retry delay).
    ready_at      timestamptz,
    priority      integer      not null default 0,
    pool          varchar(250),
    worker_id     varchar(250),
    started_at    timestamptz,
    ended_at      timestamptz,
    output        jsonb,
    error         text,
    constraint task_instance_state_ck check (state in ('pending', 'queued', 'running', 'success', 'failed',
        'up_for_retry', 'upstream_failed', 'skipped', 'cancelled')),
    constraint task_instance_run_task_uq unique (run_id, task_id)
);
-- The task-instance table is the queue: claims scan only claimable rows.
create index task_instance_claim_ix on task_instance (ready_at, id) where state in ('queued', 'up_for_retry');
create index task_instance_running_ix on task_instance (worker_id) where state = 'running';
create index task_instance_unfinished_ix on task_instance (run_id)
    where state in ('pending', 'queued', 'running', 'up_for_retry');
create index task_instance_failed_ix on task_instance (ended_at desc, id desc) where state = 'failed';

create table attempt (
    id               bigserial primary key,
    task_instance_id bigint       not null references task_instance (id) on delete cascade,
    try_number       integer      not null,
    worker_id        varchar(250) not null,
    state            varchar(20)  not null,
    started_at       timestamptz  not null,
    ended_at         timestamptz,
    exit_code        integer,
    error            text,
    log_path         varchar(2000),
    constraint attempt_state_ck check (state in ('running', 'success', 'failed', 'timed_out', 'lost', 'cancelled')),
    constraint attempt_try_uq unique (task_instance_id, try_number)
);

create table worker (
    worker_id     varchar(250) primary key,
    hostname      varchar(250) not null,
    slots         integer      not null,
    started_at    timestamptz  not null default now(),
    heartbeat_at  timestamptz  not null default now(),
    stopped_at    timestamptz
);
