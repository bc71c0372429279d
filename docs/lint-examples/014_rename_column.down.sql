ALTER TABLE accounts RENAME COLUMN display_name TO name;
