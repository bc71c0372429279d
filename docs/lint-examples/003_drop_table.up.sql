-- destructive-without-note: DROP TABLE with no -- migrate:destructive comment.
SET lock_timeout = '5s';
DROP TABLE IF EXISTS legacy_events;
