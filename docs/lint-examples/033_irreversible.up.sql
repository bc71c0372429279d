-- Negative case: a down file that says the migration cannot be undone.
SET lock_timeout = '5s';
UPDATE accounts SET nickname = lower(nickname);
