DROP INDEX IF EXISTS countries_name_idx;
