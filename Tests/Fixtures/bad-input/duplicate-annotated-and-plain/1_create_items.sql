-- +migrate Up
CREATE TABLE items (id int);
-- +migrate Down
DROP TABLE items;
