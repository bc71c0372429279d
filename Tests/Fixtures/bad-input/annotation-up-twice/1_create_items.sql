-- +migrate Up
CREATE TABLE items (id int);
-- +migrate Up
CREATE TABLE again (id int);
