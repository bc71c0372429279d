-- destructive-without-note: DROP COLUMN.
SET lock_timeout = '5s';
ALTER TABLE accounts DROP COLUMN IF EXISTS legacy_flag;
