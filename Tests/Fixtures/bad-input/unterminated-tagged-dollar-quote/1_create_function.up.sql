CREATE FUNCTION one() RETURNS int AS $body$
  SELECT 1;
$bod$ LANGUAGE sql;
