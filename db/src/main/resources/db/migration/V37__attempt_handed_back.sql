-- A stopping worker hands unfinished attempts back: the attempt keeps its row as 'handed_back' and the task is
-- queued again with one more try, so a routine stop never spends a task's tries.
alter table attempt drop constraint attempt_state_ck;
alter table attempt add constraint attempt_state_ck
    check (state in ('running', 'success', 'failed', 'timed_out', 'lost', 'cancelled', 'handed_back'));
