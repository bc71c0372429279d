-- add-column-volatile-default: a volatile default rewrites the table.
SET lock_timeout = '5s';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();
