ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON documents USING (owner = current_user) WITH CHECK (owner = current_user);
CREATE RULE log_insert AS ON INSERT TO documents DO ALSO (
    INSERT INTO doc_log VALUES (NEW.id, 'insert');
    INSERT INTO doc_log VALUES (NEW.id, 'again')
);
GRANT SELECT, INSERT ON documents TO app_user;
