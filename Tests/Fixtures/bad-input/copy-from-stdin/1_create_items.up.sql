CREATE TABLE items (id int);
COPY items (id) FROM STDIN;
1
2
\.
