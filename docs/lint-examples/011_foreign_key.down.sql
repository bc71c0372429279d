ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_account_fk;
