-- squawk prefer-text-field: varchar(n).
CREATE TABLE IF NOT EXISTS labels (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(40));
