CREATE TABLE items (id int);
\copy items FROM 'items.csv' CSV
