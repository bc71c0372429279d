-- missing-lock-timeout: ALTER TABLE on an existing table without SET lock_timeout.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS note text;
