-- Reverses 001: drop in reverse dependency order (snapshots and trades reference positions and accounts).
-- Indexes, comments and the BIGSERIAL sequences go with their tables.
DROP TABLE position_snapshots;
DROP TABLE account_snapshots;
DROP TABLE trades;
DROP TABLE positions;
DROP TABLE accounts;
DROP TYPE position_side;
DROP TYPE trade_side;
