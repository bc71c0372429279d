-- concurrently-in-transaction: CREATE INDEX CONCURRENTLY inside BEGIN ... COMMIT.
BEGIN;
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_plan_idx ON accounts (plan);
COMMIT;
