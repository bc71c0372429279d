-- missing-down: no 001_missing_down.down.sql next to this file.
CREATE TABLE IF NOT EXISTS accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
