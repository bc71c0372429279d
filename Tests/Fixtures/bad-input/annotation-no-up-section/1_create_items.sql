-- +migrate Down
DROP TABLE items;
