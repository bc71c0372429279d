-- set-not-null: SET NOT NULL on an existing column.
SET lock_timeout = '5s';
ALTER TABLE accounts ALTER COLUMN name SET NOT NULL;
