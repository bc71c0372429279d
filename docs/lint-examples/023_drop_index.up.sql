-- squawk require-concurrent-index-deletion.
SET lock_timeout = '5s';
DROP INDEX IF EXISTS accounts_name_idx;
