-- Reverses 004, also without blocking writes; like the up, this cannot run inside a transaction.
DROP INDEX CONCURRENTLY idx_positions_status;
