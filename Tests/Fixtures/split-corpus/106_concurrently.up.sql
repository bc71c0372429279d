CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user ON orders (user_id);
CREATE UNIQUE INDEX CONCURRENTLY idx_orders_ref ON orders (lower(reference)) WHERE deleted_at IS NULL;
DROP INDEX CONCURRENTLY IF EXISTS idx_orders_old;
REINDEX INDEX CONCURRENTLY idx_orders_user;
