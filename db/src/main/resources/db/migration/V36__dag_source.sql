-- Which DAG source owns each DAG. A source is a DAG folder as one or more nodes read it; its id is the folder's
-- canonical path unless SLUICE_DAG_SOURCE names it. Only the owner deactivates a DAG whose file is gone, so a node
-- started with another or a partial folder never retires (and unschedules) DAGs it did not load.
create table dag_source (
    source_id      varchar(1000) primary key,
    folder         varchar(2000) not null,
    -- a source that stops syncing (its nodes are gone) gives up its DAGs to another source that loads them
    last_synced_at timestamptz   not null
);

-- null: stored before owners were recorded, or only by `sluice dags test`; the first source that loads it owns it.
alter table dag add column source_id varchar(1000);
alter table dag add constraint dag_source_fk foreign key (source_id) references dag_source (source_id);

-- Import errors are replaced per source: two sources never wipe each other's. Null for rows from before.
alter table import_error add column source_id varchar(1000);
