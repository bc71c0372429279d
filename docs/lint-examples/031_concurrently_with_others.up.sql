-- concurrently-with-other-statements: the CONCURRENTLY statement makes the whole file run outside a
-- transaction, so a failure of the UPDATE leaves the index built and the database dirty.
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_region_idx ON accounts (region);
UPDATE accounts SET region = 'eu' WHERE region IS NULL;
