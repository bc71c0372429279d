UPDATE users SET email = lower(trim(email)) WHERE email <> lower(trim(email));
WITH dupes AS (
    SELECT id, row_number() OVER (PARTITION BY email ORDER BY id) AS rn FROM users
)
DELETE FROM users u USING dupes d WHERE u.id = d.id AND d.rn > 1;
INSERT INTO settings (key, value) VALUES ('feature.x', '{"on": true, "note": "a;b"}'::jsonb)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
