-- +migrate Up
CREATE TABLE items (id int);
-- +migrate Sideways
DROP TABLE items;
