-- +migrate Up
-- +migrate StatementBegin
CREATE TABLE items (id int);
-- +migrate Down
DROP TABLE items;
