-- squawk ban-drop-database.
DROP DATABASE IF EXISTS scratch;
