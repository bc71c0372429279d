/* header
   /* nested ; comment */
   still a comment; */
CREATE TABLE notes (id int); -- trailing; comment
-- a comment between statements;
CREATE INDEX notes_id ON notes (id) /* inline ; */ ;
/* before */ ALTER TABLE notes ADD COLUMN body text; /* after */
SELECT 1 -- no semicolon at the end of the file