-- DAG bundles: the files a DAG version's tasks use (scripts, SQL, data beside the DAG file), so a worker on any
-- node runs the exact files of the version its run pinned. The bytes are content-addressed in the object store
-- (dagfiles/sha256/ab/<hash>); this is the manifest. A version stored before bundles has no rows here and runs
-- against the DAG file's folder on the node, as it always did.
create table dag_version_file (
    version_id  bigint        not null references dag_version (id) on delete cascade,
    -- relative to the DAG file's folder, '/'-separated
    path        varchar(1024) not null,
    sha256      varchar(64)   not null check (sha256 ~ '^[0-9a-f]{64}$'),
    size        bigint        not null check (size >= 0),
    -- content addressing drops file modes; a script must stay runnable as ./script.sh
    executable  boolean       not null default false,
    primary key (version_id, path)
);

-- True when the version was stored with its files (possibly none): its tasks run in the materialized bundle, never
-- in whatever folder the node has. False for versions from before bundles.
alter table dag_version add column bundled boolean not null default false;
