-- +migrate notransaction?
CREATE INDEX items_id ON items (id);
