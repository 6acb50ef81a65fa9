-- Opt-in reuse of ML task results (config `cache: true`): a task whose type, rendered config and inputs (content-
-- addressed artifact references, or a file's size and modification time) hash to a key seen before returns the
-- output recorded then, provided every artifact it names is still in the store.
create table ml_task_cache (
    cache_key   varchar(64)  primary key,
    task_type   varchar(100) not null,
    output      jsonb        not null,
    -- where the result was first computed, for the log line that says what was reused
    dag_id      varchar(250) not null,
    run_id      bigint       not null,
    task_id     varchar(250) not null,
    attempt_id  bigint       not null,
    created_at  timestamptz  not null default now(),
    hits        integer      not null default 0,
    last_hit_at timestamptz
);
