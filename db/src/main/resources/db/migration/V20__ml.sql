-- Machine-learning records: artifacts and their lineage, experiment tracking, the model registry and the
-- prediction log. The data itself lives in the artifact store (files, content-addressed by sha-256); these
-- tables only describe it, so the database stays small whatever the size of a dataset.

create table artifact (
    id          bigserial primary key,
    -- sha-256 of the content, hex: the identity of the artifact. The same bytes are recorded once.
    hash        varchar(64)   not null,
    uri         varchar(2000) not null,
    kind        varchar(20)   not null,
    media_type  varchar(100)  not null,
    bytes       bigint        not null,
    rows        bigint,
    schema_json jsonb,
    stats       jsonb,
    created_at  timestamptz   not null default now(),
    constraint artifact_hash_uq unique (hash),
    constraint artifact_kind_ck check (kind in ('dataset', 'transform', 'model', 'bundle', 'report', 'stats',
        'quarantine'))
);
create index artifact_kind_ix on artifact (kind, created_at desc);

-- Who produced and who consumed an artifact. No foreign key to attempt: lineage is history and must outlive
-- the retention of run rows; dag/run/task ids are kept so it stays readable after they are gone.
create table artifact_lineage (
    id          bigserial primary key,
    artifact_id bigint       not null references artifact (id),
    direction   varchar(10)  not null,
    attempt_id  bigint       not null,
    run_id      bigint       not null,
    dag_id      varchar(250) not null,
    task_id     varchar(250) not null,
    -- the output or input key the artifact travelled under, e.g. 'train', 'model'.
    role        varchar(100) not null,
    created_at  timestamptz  not null default now(),
    constraint artifact_lineage_direction_ck check (direction in ('produced', 'consumed')),
    constraint artifact_lineage_uq unique (artifact_id, attempt_id, direction, role)
);
create index artifact_lineage_artifact_ix on artifact_lineage (artifact_id);
create index artifact_lineage_attempt_ix on artifact_lineage (attempt_id);

-- Experiment tracking: the params and metrics of every training or evaluation attempt.
create table ml_experiment_run (
    id          bigserial primary key,
    dag_id      varchar(250) not null,
    run_id      bigint       not null,
    attempt_id  bigint       not null,
    task_id     varchar(250) not null,
    stage       varchar(20)  not null,
    params      jsonb        not null default '{}',
    metrics     jsonb        not null default '{}',
    created_at  timestamptz  not null default now(),
    constraint ml_experiment_run_stage_ck check (stage in ('train', 'evaluate'))
);
create index ml_experiment_run_dag_ix on ml_experiment_run (dag_id, created_at desc);

create table model (
    name        varchar(250) primary key,
    description text,
    created_at  timestamptz  not null default now()
);

create table model_version (
    id              bigserial primary key,
    model_name      varchar(250) not null references model (name),
    -- 1, 2, 3... per model name, assigned under a lock on the model row.
    version         integer      not null,
    -- the bundle: model bytes + fitted transform + input schema, by artifact hash.
    bundle_hash     varchar(64)  not null,
    algorithm       varchar(50)  not null,
    problem         varchar(20)  not null,
    schema_json     jsonb        not null,
    metrics         jsonb        not null default '{}',
    -- where it came from: run, attempt and the artifacts it was built from.
    details         jsonb        not null default '{}',
    created_at      timestamptz  not null default now(),
    constraint model_version_uq unique (model_name, version),
    constraint model_version_problem_ck check (problem in ('classification', 'regression'))
);

-- A movable name (champion, staging...) for one version. Rollback is moving it back.
create table model_alias (
    model_name  varchar(250) not null references model (name),
    alias       varchar(100) not null,
    version_id  bigint       not null references model_version (id),
    updated_at  timestamptz  not null default now(),
    primary key (model_name, alias)
);

create table model_alias_event (
    id              bigserial primary key,
    model_name      varchar(250) not null,
    alias           varchar(100) not null,
    from_version_id bigint,
    to_version_id   bigint       not null,
    reason          varchar(500),
    created_at      timestamptz  not null default now()
);
create index model_alias_event_ix on model_alias_event (model_name, alias, created_at desc);

-- A sample of served predictions: inputs and outputs, for monitoring and drift checks.
create table prediction_log (
    id          bigserial primary key,
    model_name  varchar(250) not null,
    version_id  bigint       not null,
    payload     jsonb        not null,
    output      jsonb        not null,
    created_at  timestamptz  not null default now()
);
create index prediction_log_model_ix on prediction_log (model_name, created_at desc);
