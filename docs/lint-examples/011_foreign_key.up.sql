-- constraint-without-not-valid: FOREIGN KEY validated under lock.
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);
