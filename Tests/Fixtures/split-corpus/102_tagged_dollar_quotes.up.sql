CREATE FUNCTION outer_fn() RETURNS text LANGUAGE plpgsql AS $outer$
DECLARE
    body text := $inner$ SELECT 'x;y'; $inner$;
BEGIN
    EXECUTE body;
    RETURN $q$it's fine; really$q$;
END
$outer$;
SELECT $$;$$ AS semicolon, $a$$$a$ AS nested_empty;
