CREATE TABLE items (id int);
/* outer /* inner */ still open
CREATE TABLE notes (id int);
