CREATE TABLE items (id int);
/* forgot to close
CREATE TABLE notes (id int);
