SET LOCAL lock_timeout = '5s';
SET search_path TO app, public;
ANALYZE orders;
CLUSTER orders USING orders_pkey;
LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE;
NOTIFY migrations, 'done; really';
SELECT pg_catalog.set_config('search_path', '', false);
