-- The config an attempt ran with, after templates were rendered and with secret-looking values masked: what an
-- operator checks first when a task misbehaves. Written with the attempt's end, in the same batched update.
alter table attempt add column rendered_config jsonb;
