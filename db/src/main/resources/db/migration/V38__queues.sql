-- Queues: a task runs on the queue its DAG names (default 'default'); a worker claims only the queues it serves.
-- The claim index leads with the queue so a worker of one queue never scans another queue's backlog.
alter table task_instance add column queue varchar(100) not null default 'default';
drop index task_instance_claim_ix;
create index task_instance_claim_ix on task_instance (queue, ready_at, id) where state in ('queued', 'up_for_retry');

-- What each node is and serves, for "live workers per queue" and for telling a user that nobody serves a queue.
alter table worker add column queues text[] not null default '{default}';
alter table worker add column role varchar(40) not null default 'standalone';

-- Lost attempts are counted on every metrics scrape; they are few, so a partial index keeps that count cheap.
create index attempt_lost_ix on attempt (ended_at) where state = 'lost';
