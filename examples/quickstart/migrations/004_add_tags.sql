-- One file for both directions, in sql-migrate's annotated format: the statements of the Up
-- section run on up, those of the Down section on down.

-- +migrate Up
CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
);

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, tag_id)
) WITHOUT ROWID;

CREATE INDEX idx_post_tags_tag_id ON post_tags (tag_id);

-- +migrate Down
DROP TABLE post_tags;
DROP TABLE tags;
