CREATE TABLE items (id int);
COMMIT;
CREATE TABLE notes (id int);
