CREATE TABLE crlf (
	id int,
	note text
);

INSERT INTO crlf VALUES (1, 'a;
b');
