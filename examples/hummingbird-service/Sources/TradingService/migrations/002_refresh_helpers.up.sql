-- 002 Materialized views for dashboards, and functions that refresh them.
-- Each view has a UNIQUE index: REFRESH MATERIALIZED VIEW CONCURRENTLY requires one, and it lets readers
-- keep querying the old contents while the refresh runs.

-- Realized PnL per model and calendar day (the day in the session's time zone).
CREATE MATERIALIZED VIEW v_daily_pnl AS
SELECT
    model_id,
    DATE(created_at) as date,
    SUM(closed_pnl) as total_pnl
FROM trades
GROUP BY model_id, DATE(created_at);

CREATE UNIQUE INDEX idx_v_daily_pnl_model_date
ON v_daily_pnl(model_id, date);

COMMENT ON MATERIALIZED VIEW v_daily_pnl IS 'Realized PnL per model and day; refresh with refresh_daily_pnl().';

-- Current exposure per model and symbol, over open positions only.
CREATE MATERIALIZED VIEW v_open_exposure AS
SELECT
    model_id,
    symbol,
    COUNT(*) AS open_positions,
    SUM(CASE WHEN side = 'long' THEN quantity ELSE -quantity END) AS net_quantity,
    SUM(quantity * COALESCE(mark_price, entry_price)) AS gross_notional,
    SUM(unrealized_pnl) AS unrealized_pnl
FROM positions
WHERE status = 'open'
GROUP BY model_id, symbol;

CREATE UNIQUE INDEX idx_v_open_exposure_model_symbol
ON v_open_exposure(model_id, symbol);

COMMENT ON MATERIALIZED VIEW v_open_exposure IS 'Open exposure per model and symbol; refresh with refresh_open_exposure().';

-- The refresh helpers. The bodies contain semicolons inside dollar quotes: one statement each.
-- CONCURRENTLY is allowed here because REFRESH (unlike CREATE INDEX CONCURRENTLY) may run inside a
-- transaction, and it only runs when the function is called, not when this migration is applied.
CREATE FUNCTION refresh_daily_pnl() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY v_daily_pnl;
END;
$$;

CREATE FUNCTION refresh_open_exposure() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY v_open_exposure;
END;
$$;

-- Refreshes every view and reports how long it took, e.g. from a cron job: SELECT refresh_all_views();
CREATE FUNCTION refresh_all_views() RETURNS interval
LANGUAGE plpgsql
AS $refresh$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    PERFORM refresh_daily_pnl();
    PERFORM refresh_open_exposure();
    RAISE NOTICE 'refreshed v_daily_pnl and v_open_exposure';
    RETURN clock_timestamp() - started;
END;
$refresh$;

COMMENT ON FUNCTION refresh_all_views() IS 'Refreshes all dashboard materialized views concurrently; returns the time taken.';
