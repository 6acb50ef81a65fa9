-- Users, tokens and logins hardened:
--  * usernames are unique regardless of case (earlier versions let 'ADMIN' exist next to 'admin');
--  * an API token belongs to the user who created it (api_token.created_by) and dies with that user;
--  * a token may expire (api_token.expires_at);
--  * failed logins are counted per username and per client address, in the database, so that every node of a
--    cluster sees the same counters (login_throttle).
-- Existing data is repaired first, so the constraints below cannot fail on an old database. Every repair is
-- written to the audit log (actor 'migration V35'), where admins read what happened to which user or token.

-- jOOQ's DDL parser only needs the schema; the data repairs generate no Java.
-- [jooq ignore start]

-- 1. Case-duplicate usernames. In each group of names equal but for case, the oldest user (then the name in
--    byte order) keeps its name; the others are renamed to their first 80 characters + '~dup' + a number that is
--    unique across the whole rename. '~' is not allowed in names created through the API, so a renamed user
--    cannot clash with a future one and stands out in the user list. Renamed users keep role, password and
--    tokens; their sessions end (they log in with the new name).
create temporary table v35_renamed_user on commit drop as
select username as old_name,
       left(username, 80) || '~dup' || row_number() over (order by lower(username), created_at, username collate "C") as new_name
from (select username, created_at,
             row_number() over (partition by lower(username) order by created_at, username collate "C") as nth
      from app_user) ranked
where nth > 1;

delete from user_session where username in (select old_name from v35_renamed_user);
update api_token t set created_by = r.new_name from v35_renamed_user r where t.created_by = r.old_name;
update app_user u set username = r.new_name, updated_at = now() from v35_renamed_user r where u.username = r.old_name;
insert into audit_log (actor, action, target, details)
select 'migration V35', 'user.rename', old_name,
       jsonb_build_object('new_username', new_name, 'reason', 'usernames are now case-insensitive; an older user has this name')
from v35_renamed_user;

-- 2. Token owners. Tokens created by another token recorded 'token:NAME' as their creator; they now belong to
--    the user owning that token, when exactly one user owns tokens of that name (repeated for chains).
do $$
begin
    loop
        update api_token t set created_by = p.created_by
        from api_token p
        where t.created_by = 'token:' || p.name
          and p.created_by not like 'token:%'
          and (select count(distinct q.created_by) from api_token q where q.name = p.name) = 1;
        exit when not found;
    end loop;
end $$;

--    Tokens left without an existing owner — their user was deleted (the access that outlived its owner), or
--    their creator cannot be told — are revoked.
insert into audit_log (actor, action, target, details)
select 'migration V35', 'token.delete', t.id::text,
       jsonb_build_object('name', t.name, 'created_by', t.created_by, 'reason', 'its owner is not an existing user')
from api_token t
where not exists (select 1 from app_user u where u.username = t.created_by);
delete from api_token t where not exists (select 1 from app_user u where u.username = t.created_by);

-- The H2 that jOOQ's DDL simulation runs on has no expression indexes; the index generates no Java anyway.
create unique index app_user_username_ci_uq on app_user (lower(username));
-- [jooq ignore stop]

alter table api_token add column expires_at timestamptz;
alter table api_token add constraint api_token_owner_fk foreign key (created_by)
    references app_user (username) on delete cascade;
create index api_token_owner_ix on api_token (created_by);

-- Failed logins per subject: 'user:' + the lower-cased username tried (existing or not), or 'addr:' + the client
-- address. The lock is derived from (failures, last_failure_at) by the server's back-off policy; rows whose last
-- failure is older than the policy's memory are reset on the next failure and deleted by the failure path.
create table login_throttle (
    subject          varchar(200) primary key,
    failures         integer      not null,
    last_failure_at  timestamptz  not null
);
create index login_throttle_last_failure_ix on login_throttle (last_failure_at);
