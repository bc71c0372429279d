-- timestamp-without-time-zone.
CREATE TABLE IF NOT EXISTS events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, happened_at timestamp NOT NULL);
