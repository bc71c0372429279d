-- squawk adding-serial-primary-key-field: ADD PRIMARY KEY builds an index under lock.
SET lock_timeout = '5s';
ALTER TABLE tags_map ADD PRIMARY KEY (tag_id, account_id);
