DROP INDEX IF EXISTS accounts_name_idx;
