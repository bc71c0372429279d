DROP TRIGGER users_touch_updated_at;
DROP TABLE users;
