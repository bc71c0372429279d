-- empty-down: the down file holds only a comment, so `migrate down` would undo nothing.
SET lock_timeout = '5s';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS nickname text;
