-- Deadlines and notifications, kept out of the engine's code: the rows they need are made by triggers in the same
-- transactions that create runs and change states, so no event is lost to a crash between a commit and a hook,
-- and every engine (whatever node, whatever code path) produces them alike.

-- The deadlines of a DAG version, extracted once when the version is stored (trigger below), so creating a run
-- reads this small value instead of parsing the whole definition: [{"task_id": null|ID, "within": "2h",
-- "from": "logical_date"|"queued"}]. Null for a version without deadlines.
alter table dag_version add column deadlines jsonb;
-- Whether a channel of this version asked for run_succeeded (opt-in): only then does a successful run make a row.
alter table dag_version add column notifies_success boolean not null default false;

-- One row per deadline of a run (task_id null: the run must end by due_at) or of one of its tasks. 'pending' until
-- due_at passes; then the scheduler that claims it (conditional update, SKIP LOCKED) judges it 'met' or 'missed'.
create table run_deadline (
    id          bigserial primary key,
    run_id      bigint       not null references dag_run (id) on delete cascade,
    task_id     varchar(250),
    due_at      timestamptz  not null,
    state       varchar(10)  not null default 'pending',
    -- when a scheduler judged it (for a miss: when the deadline_missed event was raised)
    checked_at  timestamptz,
    constraint run_deadline_state_ck check (state in ('pending', 'met', 'missed'))
);
-- The check reads only what is pending and due, oldest first.
create index run_deadline_due_ix on run_deadline (due_at) where state = 'pending';
create index run_deadline_run_ix on run_deadline (run_id);

-- The notification outbox: one row per event, delivered by a scheduler node to the DAG's channels (or the
-- server-wide ones). Claimed with SKIP LOCKED and a lease (next_at moved forward), so several schedulers deliver
-- each event once; a failed delivery is retried with backoff, then given up as 'failed'.
create table notification (
    id              bigserial primary key,
    event           varchar(30)  not null,
    dag_id          varchar(250) not null,
    dag_version_id  bigint       not null,
    run_id          bigint       references dag_run (id) on delete cascade,
    task_id         varchar(250),
    try_number      integer,
    error           text,
    -- deadline_missed: the deadline that passed
    due_at          timestamptz,
    created_at      timestamptz  not null default now(),
    state           varchar(10)  not null default 'pending',
    attempts        integer      not null default 0,
    -- when a pending row may be claimed: at once, after a failed try's backoff, or when a claim's lease ran out
    next_at         timestamptz  not null default now(),
    -- channels that already took this event: a retry sends only to the ones that failed
    done_channels   text[]       not null default '{}',
    claimed_by      varchar(250),
    last_error      text,
    sent_at         timestamptz,
    constraint notification_state_ck check (state in ('pending', 'sent', 'failed', 'skipped')),
    constraint notification_event_ck check (event in ('task_failed', 'task_retry', 'run_failed', 'run_succeeded',
        'deadline_missed'))
);
create index notification_due_ix on notification (next_at) where state = 'pending';
create index notification_run_ix on notification (run_id);

-- [jooq ignore start]
-- Reads a version's deadlines and success opt-in from its definition (DagJson's format) once, when it is stored.
create function sluice_version_deadlines() returns trigger language plpgsql as $$
declare
    n json := new.definition -> 'notifications';
begin
    new.deadlines := (
        select jsonb_agg(d) from (
            select jsonb_build_object('task_id', null, 'within', new.definition -> 'deadline' ->> 'within',
                                      'from', new.definition -> 'deadline' ->> 'from') as d
             where json_typeof(new.definition -> 'deadline') = 'object'
            union all
            select jsonb_build_object('task_id', t ->> 'id', 'within', t -> 'deadline' ->> 'within',
                                      'from', t -> 'deadline' ->> 'from')
              from json_array_elements(new.definition -> 'tasks') t
             where json_typeof(t -> 'deadline') = 'object'
        ) s);
    new.notifies_success := coalesce((
        select bool_or(e = 'run_succeeded')
          from json_array_elements(case json_typeof(n) when 'array' then n else json_build_array(n) end) c,
               json_array_elements_text(case json_typeof(c -> 'on') when 'array' then c -> 'on' else '[]' end) e),
        false);
    return new;
end $$;

create trigger dag_version_deadlines before insert on dag_version
    for each row execute function sluice_version_deadlines();

-- A run's deadlines, when it is created. Durations are DagJson's short forms (500ms, 10s, 5m, 2h, 1d), which
-- PostgreSQL reads as intervals.
create function sluice_run_deadlines() returns trigger language plpgsql as $$
declare
    ds jsonb;
begin
    select v.deadlines into ds from dag_version v where v.id = new.dag_version_id;
    if ds is not null then
        insert into run_deadline (run_id, task_id, due_at)
        select new.id, d ->> 'task_id',
               (case d ->> 'from' when 'queued' then new.queued_at else new.logical_date end)
                   + (d ->> 'within')::interval
          from jsonb_array_elements(ds) d;
    end if;
    return null;
end $$;

create trigger dag_run_deadlines after insert on dag_run
    for each row execute function sluice_run_deadlines();

-- task_failed (no tries left, or marked failed) and task_retry, in the transaction that recorded them. Runs of
-- `sluice dags test` (run_type 'test') notify nobody: a developer's try on a shared database must not page anyone.
create function sluice_outbox_task() returns trigger language plpgsql as $$
begin
    insert into notification (event, dag_id, dag_version_id, run_id, task_id, try_number, error)
    select case new.state when 'failed' then 'task_failed' else 'task_retry' end,
           new.dag_id, r.dag_version_id, new.run_id, new.task_id, new.try_number, new.error
      from dag_run r where r.id = new.run_id and r.run_type <> 'test';
    return null;
end $$;

create trigger task_instance_outbox after update of state on task_instance
    for each row when (new.state in ('failed', 'up_for_retry') and old.state is distinct from new.state)
    execute function sluice_outbox_task();

-- run_failed always; run_succeeded only for versions that opted in.
create function sluice_outbox_run() returns trigger language plpgsql as $$
begin
    insert into notification (event, dag_id, dag_version_id, run_id)
    select case new.state when 'failed' then 'run_failed' else 'run_succeeded' end,
           new.dag_id, new.dag_version_id, new.id
      from dag_version v
     where v.id = new.dag_version_id and (new.state = 'failed' or v.notifies_success);
    return null;
end $$;

create trigger dag_run_outbox after update of state on dag_run
    for each row when (new.state in ('failed', 'success') and old.state is distinct from new.state
                       and new.run_type <> 'test')
    execute function sluice_outbox_run();
-- [jooq ignore stop]
