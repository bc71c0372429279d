-- destructive-without-note: TRUNCATE.
SET lock_timeout = '5s';
TRUNCATE audit_log;
