CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'cancelled';
CREATE MATERIALIZED VIEW daily_totals AS
    SELECT date_trunc('day', created_at) AS day,
           sum(CASE WHEN status = 'paid' THEN amount ELSE 0 END) AS paid
    FROM orders
    GROUP BY 1
WITH NO DATA;
CREATE VIEW v_open AS SELECT * FROM orders WHERE status IN ('new', 'paid');
