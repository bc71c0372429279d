-- Reverses 002: functions first (refresh_all_views calls the other two), then the views with their indexes.
DROP FUNCTION refresh_all_views();
DROP FUNCTION refresh_open_exposure();
DROP FUNCTION refresh_daily_pnl();
DROP MATERIALIZED VIEW v_open_exposure;
DROP MATERIALIZED VIEW v_daily_pnl;
