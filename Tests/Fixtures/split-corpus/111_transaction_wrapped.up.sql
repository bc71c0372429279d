BEGIN;
CREATE TABLE wallets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, balance numeric(20, 8) NOT NULL DEFAULT 0);
ALTER TABLE wallets ADD CONSTRAINT balance_non_negative CHECK (balance >= 0);
COMMIT;
