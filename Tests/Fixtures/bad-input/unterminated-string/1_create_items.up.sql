CREATE TABLE items (id int, note text);
INSERT INTO items VALUES (1, 'it''s open);
CREATE TABLE after (id int);
