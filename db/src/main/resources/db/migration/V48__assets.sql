-- Data-aware scheduling. An asset is a URI naming data (s3://bucket/sales.parquet, postgres://dw/public/orders);
-- a task that declares it in `outlets` records an asset event when it succeeds, and a DAG scheduled on assets runs
-- when they have new events. Rows are created on first mention (a DAG that names the URI, or an event).
create table asset (
    id          bigserial primary key,
    uri         varchar(1000) not null,
    created_at  timestamptz   not null default now(),
    constraint asset_uri_uq unique (uri)
);

-- One update of an asset: by a task's success (source 'task', with the producing dag/run/task) or from outside
-- through the API (source 'api', with the user who posted it). extra is the producer's free-form JSON.
create table asset_event (
    id             bigserial primary key,
    asset_id       bigint        not null references asset (id),
    source         varchar(20)   not null,
    source_dag_id  varchar(250),
    source_run_id  varchar(250),
    source_task_id varchar(250),
    created_by     varchar(250),
    extra          jsonb         not null default '{}',
    created_at     timestamptz   not null,
    constraint asset_event_source_ck check (source in ('task', 'api'))
);
create index asset_event_asset_ix on asset_event (asset_id, id desc);

-- Who names an asset, per DAG's latest version (rewritten when a DAG is saved): producers are tasks with the asset
-- in outlets, consumers DAGs scheduled on it. Only active DAGs count (joined with dag.is_active when read).
create table asset_producer (
    dag_id    varchar(250) not null references dag (dag_id),
    task_id   varchar(250) not null,
    asset_id  bigint       not null references asset (id),
    constraint asset_producer_pk primary key (dag_id, task_id, asset_id)
);
create index asset_producer_asset_ix on asset_producer (asset_id);

create table asset_consumer (
    dag_id    varchar(250) not null references dag (dag_id),
    asset_id  bigint       not null references asset (id),
    constraint asset_consumer_pk primary key (dag_id, asset_id)
);
create index asset_consumer_asset_ix on asset_consumer (asset_id);

-- Events not yet consumed by a consumer DAG: one row per (consumer, event), written in the event's transaction.
-- A queue rather than a "last event id" cursor because ids are handed out before commit: an event with a smaller
-- id can commit after a larger one, and a cursor would skip it for ever. A triggered run deletes exactly the rows
-- it read.
create table asset_event_queue (
    dag_id    varchar(250) not null references dag (dag_id),
    event_id  bigint       not null references asset_event (id) on delete cascade,
    asset_id  bigint       not null references asset (id),
    constraint asset_event_queue_pk primary key (dag_id, event_id)
);

-- The consumer-side cursor: locked (FOR UPDATE) by the scheduler deciding whether the DAG runs, and updated in the
-- transaction that creates the run, so two schedulers serialise on it and never make two runs of the same events.
create table asset_trigger_cursor (
    dag_id            varchar(250) primary key references dag (dag_id),
    last_triggered_at timestamptz,
    last_run_key      bigint
);

-- The events that triggered an asset-triggered run (templates' triggering_asset_events, the run's API answer).
create table dag_run_asset_event (
    run_key   bigint not null references dag_run (id) on delete cascade,
    event_id  bigint not null references asset_event (id) on delete cascade,
    constraint dag_run_asset_event_pk primary key (run_key, event_id)
);

alter table dag_run drop constraint dag_run_type_ck;
alter table dag_run add constraint dag_run_type_ck
    check (run_type in ('manual', 'scheduled', 'backfill', 'test', 'asset'));
