-- 004 Optimize indexes for positions query patterns: almost every query asks for open positions, which
-- are a small fraction of the table, so a partial index stays small and hot.
-- CONCURRENTLY builds the index without blocking writes to positions, but it cannot run inside a
-- transaction: this migration runs outside one. Keep it the only statement in the file (golang-migrate
-- sends a file as one query, and several statements in one query form an implicit transaction).
CREATE INDEX CONCURRENTLY idx_positions_status
ON positions(status) WHERE status = 'open';
