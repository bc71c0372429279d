-- constraint-without-not-valid: CHECK validated under lock.
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);
