-- Negative case: the safe recipe for NOT NULL (the VALIDATE would go in a later migration).
SET lock_timeout = '5s';
ALTER TABLE accounts ADD CONSTRAINT accounts_name_not_null CHECK (name IS NOT NULL) NOT VALID;
