\set ON_ERROR_STOP on
CREATE TABLE items (id int);
