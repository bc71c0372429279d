-- int-primary-key: serial (32-bit) primary key.
CREATE TABLE IF NOT EXISTS tags (id serial PRIMARY KEY, label text NOT NULL);
