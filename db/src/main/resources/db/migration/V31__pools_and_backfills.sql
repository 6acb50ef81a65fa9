-- Pools: named slots shared by every DAG. A task waits (queued, never dropped) while its pool is full.
create table pool (
    name        varchar(250) primary key,
    slots       integer      not null,
    description text,
    constraint pool_slots_ck check (slots >= 0)
);
insert into pool (name, slots, description) values ('default', 128, 'Tasks that name no pool');

-- Running counts per pool and per DAG are what a limited claim compares with the slots: keep them index-only.
create index task_instance_running_pool_ix on task_instance (pool) where state = 'running';
create index task_instance_running_dag_ix on task_instance (dag_id) where state = 'running';

-- A backfill: runs for every schedule interval whose logical date is in [from_date, to_date], at most
-- max_active_runs of them unfinished at once. next_date is the cursor: the logical date of the next interval to
-- dispatch (null once every interval has been dispatched).
create table backfill (
    id              bigserial    primary key,
    dag_id          varchar(250) not null references dag (dag_id),
    from_date       timestamptz  not null,
    to_date         timestamptz  not null,
    max_active_runs integer      not null,
    -- what to do with an interval that already has a run: leave it, rerun it if it failed, or rerun it.
    reprocess       varchar(20)  not null,
    state           varchar(20)  not null,
    next_date       timestamptz,
    created_by      varchar(250),
    created_at      timestamptz  not null default now(),
    ended_at        timestamptz,
    constraint backfill_state_ck check (state in ('running', 'success', 'failed', 'cancelled')),
    constraint backfill_reprocess_ck check (reprocess in ('none', 'failed', 'all')),
    constraint backfill_max_active_runs_ck check (max_active_runs >= 1),
    constraint backfill_range_ck check (from_date <= to_date)
);
create index backfill_running_ix on backfill (id) where state = 'running';

-- The backfill that created (or re-ran) a run; its unfinished runs count against the backfill's parallelism.
alter table dag_run add column backfill_id bigint references backfill (id);
create index dag_run_backfill_ix on dag_run (backfill_id, state) where backfill_id is not null;
