-- mixed-ddl-and-data: a schema change and a backfill in one migration.
SET lock_timeout = '5s';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS plan text;
UPDATE accounts SET plan = 'free' WHERE plan IS NULL;
