-- The index uses the column, so it goes first. DROP COLUMN needs SQLite 3.35 or newer.
DROP INDEX idx_posts_published_at;
ALTER TABLE posts DROP COLUMN published_at;
