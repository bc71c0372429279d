SELECT 1::int8 + -2, 'a' || 'b', ARRAY[1, 2] @> ARRAY[1], '{"a": 1}'::jsonb ->> 'a', 3 !=-1;
SELECT $1 FROM t WHERE x <= $2;
CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq);
SELECT 2 === 2, 1e10, .5, 0x1F, 1_000_000;
