-- column-type-change: ALTER COLUMN ... TYPE.
SET lock_timeout = '5s';
ALTER TABLE orders ALTER COLUMN total TYPE numeric(20, 4);
