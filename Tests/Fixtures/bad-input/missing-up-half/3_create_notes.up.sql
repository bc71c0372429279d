CREATE TABLE notes (id int);
