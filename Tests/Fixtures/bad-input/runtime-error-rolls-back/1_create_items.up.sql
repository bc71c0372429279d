CREATE TABLE items (id int);
INSERT INTO items VALUES (1);
INSERT INTO missing_table VALUES (1);
