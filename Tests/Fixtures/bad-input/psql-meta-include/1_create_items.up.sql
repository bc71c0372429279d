CREATE TABLE items (id int);
\i other.sql
