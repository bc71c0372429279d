-- squawk ban-drop-not-null.
SET lock_timeout = '5s';
ALTER TABLE accounts ALTER COLUMN plan DROP NOT NULL;
