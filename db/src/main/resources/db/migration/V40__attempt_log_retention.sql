-- Attempt logs: their size as written (retention by total bytes sums it) and when retention deleted them (the
-- API then says the log was removed instead of answering with an empty or missing log).
alter table attempt add column log_bytes bigint;
alter table attempt add column log_removed_at timestamptz;

-- The retention sweep walks finished attempts whose log is still kept, oldest first.
create index attempt_log_kept_idx on attempt (ended_at) where log_removed_at is null and state <> 'running';
