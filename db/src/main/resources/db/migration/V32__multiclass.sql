-- Multi-class models: one probability per class. Their classes are kept in model_version.details.classes.
alter table model_version drop constraint model_version_problem_ck;
alter table model_version add constraint model_version_problem_ck
    check (problem in ('classification', 'multiclass', 'regression'));
