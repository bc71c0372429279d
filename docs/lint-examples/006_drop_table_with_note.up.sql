-- Negative case: the destructive statement is acknowledged.
SET lock_timeout = '5s';
-- migrate:destructive archived to s3://backups/old_sessions on 2026-11-20
DROP TABLE IF EXISTS old_sessions;
