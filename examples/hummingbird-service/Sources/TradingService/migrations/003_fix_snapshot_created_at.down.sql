-- Reverses 003. Dropping a column also drops its comment.
ALTER TABLE position_snapshots DROP COLUMN created_at;
ALTER TABLE account_snapshots DROP COLUMN created_at;
