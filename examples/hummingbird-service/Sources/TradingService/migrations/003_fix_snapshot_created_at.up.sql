-- 003 Fix missing created_at columns in snapshot tables.
-- captured_at is the exchange's time of the snapshot; created_at is when we stored the row, which the
-- generated models and the retention job expect on every table. Existing rows get the migration's time
-- (NOW() is the transaction start), which is the best we know.
-- The ALTERs take ACCESS EXCLUSIVE locks on busy tables: give up after 5 s rather than queue every query
-- behind a long one (SET LOCAL ends with this migration's transaction; `migrate -db-lock-timeout` retries).
SET LOCAL lock_timeout = '5s';
ALTER TABLE account_snapshots ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT NOW();
ALTER TABLE position_snapshots ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT NOW();

COMMENT ON COLUMN account_snapshots.created_at IS 'When the row was inserted (added in 003).';
COMMENT ON COLUMN position_snapshots.created_at IS 'When the row was inserted (added in 003).';
