-- squawk prefer-robust-stmts: CREATE TABLE without IF NOT EXISTS.
CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);
