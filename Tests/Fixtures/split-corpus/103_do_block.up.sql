DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('ANALYZE %I;', r.tablename);
    END LOOP;
END
$$;

DO LANGUAGE plpgsql $body$ BEGIN RAISE NOTICE 'done; %', now(); END $body$;
