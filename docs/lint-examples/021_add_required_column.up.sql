-- squawk adding-required-field: NOT NULL column without a default.
SET lock_timeout = '5s';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS region text NOT NULL;
