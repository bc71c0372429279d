-- rename: RENAME COLUMN.
SET lock_timeout = '5s';
ALTER TABLE accounts RENAME COLUMN name TO display_name;
