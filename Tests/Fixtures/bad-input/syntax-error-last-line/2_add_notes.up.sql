CREATE TABLE notes (id int);
INSERT INTO notes VALUES (1);
CREATE TABL later (id int)