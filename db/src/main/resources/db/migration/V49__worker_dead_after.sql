-- How long this worker may stay silent before others may declare it dead: its own heartbeat interval times four,
-- as it was configured. Judges used their own, so a node tuned for quick failover (short heartbeats) declared a
-- peer with the default interval dead between two of its beats and retried its running tasks. Null for rows
-- written before this column: judged by the judge's own setting, as before.
alter table worker add column dead_after_ms bigint;
alter table worker add constraint worker_dead_after_ck check (dead_after_ms is null or dead_after_ms > 0);
