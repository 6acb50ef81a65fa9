-- A python task's logged params and metrics are an experiment stage of their own: the task may train, but it may as
-- well prepare data or score, and calling every one of them "train" would mislead a comparison of trainings.
alter table ml_experiment_run drop constraint ml_experiment_run_stage_ck;
alter table ml_experiment_run
    add constraint ml_experiment_run_stage_ck check (stage in ('train', 'evaluate', 'python'));
