-- index-not-concurrently: CREATE INDEX on an existing table.
CREATE INDEX IF NOT EXISTS accounts_name_idx ON accounts (name);
