DROP INDEX idx_posts_user_id;
DROP TABLE posts;
