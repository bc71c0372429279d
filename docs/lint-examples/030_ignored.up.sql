-- Negative case: a finding silenced with lint-ignore (the table is tiny).
-- migrate:lint-ignore index-not-concurrently missing-lock-timeout
CREATE INDEX IF NOT EXISTS countries_name_idx ON countries (name);
