-- prefer-text-over-char: char(n).
CREATE TABLE IF NOT EXISTS currencies (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code char(3) NOT NULL);
