BEGIN;
CREATE TABLE items (id int);
