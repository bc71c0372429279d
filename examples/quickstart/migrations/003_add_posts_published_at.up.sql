-- A later change to an existing table: NULL means "draft".
ALTER TABLE posts ADD COLUMN published_at TEXT;

CREATE INDEX idx_posts_published_at ON posts (published_at) WHERE published_at IS NOT NULL;
