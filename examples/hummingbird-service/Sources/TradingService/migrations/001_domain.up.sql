-- 001 Core domain: the tables every trading model writes to.
-- Money and quantities are NUMERIC(20, 8): exact decimal arithmetic, 12 integer and 8 fractional digits,
-- enough for crypto quantities (satoshi precision) and fiat balances alike. Never use float for money.

CREATE TYPE trade_side AS ENUM ('buy', 'sell');
CREATE TYPE position_side AS ENUM ('long', 'short');

COMMENT ON TYPE trade_side IS 'Direction of a single fill.';
COMMENT ON TYPE position_side IS 'Direction of an aggregated position.';

-- One account per model and exchange; a model may trade on several exchanges.
CREATE TABLE accounts (
    id             BIGSERIAL PRIMARY KEY,
    model_id       TEXT NOT NULL,
    exchange       TEXT NOT NULL,
    base_currency  TEXT NOT NULL DEFAULT 'USDT',
    balance        NUMERIC(20, 8) NOT NULL DEFAULT 0,
    equity         NUMERIC(20, 8) NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'active',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT accounts_model_exchange_key UNIQUE (model_id, exchange),
    CONSTRAINT accounts_status_check CHECK (status IN ('active', 'suspended', 'closed')),
    CONSTRAINT accounts_balance_check CHECK (balance >= 0)
);

COMMENT ON TABLE accounts IS 'Exchange accounts, one per (model, exchange).';
COMMENT ON COLUMN accounts.model_id IS 'Identifier of the trading model that owns the account.';
COMMENT ON COLUMN accounts.equity IS 'Balance plus unrealized PnL, as last reported by the exchange.';

CREATE TABLE positions (
    id              BIGSERIAL PRIMARY KEY,
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    model_id        TEXT NOT NULL,
    symbol          TEXT NOT NULL,
    side            position_side NOT NULL,
    quantity        NUMERIC(20, 8) NOT NULL,
    entry_price     NUMERIC(20, 8) NOT NULL,
    mark_price      NUMERIC(20, 8),
    leverage        NUMERIC(6, 2) NOT NULL DEFAULT 1,
    unrealized_pnl  NUMERIC(20, 8) NOT NULL DEFAULT 0,
    realized_pnl    NUMERIC(20, 8) NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'open',
    opened_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    closed_at       TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT positions_status_check CHECK (status IN ('open', 'closed')),
    CONSTRAINT positions_quantity_check CHECK (quantity >= 0),
    CONSTRAINT positions_entry_price_check CHECK (entry_price > 0),
    CONSTRAINT positions_leverage_check CHECK (leverage >= 1),
    -- A closed position has a close time, an open one has none.
    CONSTRAINT positions_closed_at_check CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);

CREATE INDEX idx_positions_account_id ON positions (account_id);
CREATE INDEX idx_positions_model_symbol ON positions (model_id, symbol);

COMMENT ON TABLE positions IS 'Aggregated open and closed positions per account and symbol.';
COMMENT ON COLUMN positions.status IS 'open or closed; most queries only want open positions.';

-- Every fill. closed_pnl is the PnL realized by this fill (0 for fills that open or add to a position).
CREATE TABLE trades (
    id                 BIGSERIAL PRIMARY KEY,
    account_id         BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    position_id        BIGINT REFERENCES positions (id) ON DELETE SET NULL,
    model_id           TEXT NOT NULL,
    symbol             TEXT NOT NULL,
    side               trade_side NOT NULL,
    quantity           NUMERIC(20, 8) NOT NULL,
    price              NUMERIC(20, 8) NOT NULL,
    fee                NUMERIC(20, 8) NOT NULL DEFAULT 0,
    closed_pnl         NUMERIC(20, 8) NOT NULL DEFAULT 0,
    exchange_order_id  TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT trades_exchange_order_key UNIQUE (account_id, exchange_order_id),
    CONSTRAINT trades_quantity_check CHECK (quantity > 0),
    CONSTRAINT trades_price_check CHECK (price > 0),
    CONSTRAINT trades_fee_check CHECK (fee >= 0)
);

CREATE INDEX idx_trades_model_created_at ON trades (model_id, created_at);
CREATE INDEX idx_trades_position_id ON trades (position_id);

COMMENT ON TABLE trades IS 'Individual fills reported by the exchange.';
COMMENT ON COLUMN trades.closed_pnl IS 'PnL realized by this fill, before fees (see fee).';

-- Periodic snapshots for equity curves. They only have captured_at (the exchange's time of the
-- snapshot); the row insertion time created_at was forgotten here and is added by migration 003.
CREATE TABLE account_snapshots (
    id              BIGSERIAL PRIMARY KEY,
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    balance         NUMERIC(20, 8) NOT NULL,
    equity          NUMERIC(20, 8) NOT NULL,
    margin_used     NUMERIC(20, 8) NOT NULL DEFAULT 0,
    unrealized_pnl  NUMERIC(20, 8) NOT NULL DEFAULT 0,
    captured_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT account_snapshots_account_captured_key UNIQUE (account_id, captured_at)
);

CREATE TABLE position_snapshots (
    id              BIGSERIAL PRIMARY KEY,
    position_id     BIGINT NOT NULL REFERENCES positions (id) ON DELETE CASCADE,
    quantity        NUMERIC(20, 8) NOT NULL,
    mark_price      NUMERIC(20, 8) NOT NULL,
    unrealized_pnl  NUMERIC(20, 8) NOT NULL,
    captured_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT position_snapshots_position_captured_key UNIQUE (position_id, captured_at)
);

COMMENT ON TABLE account_snapshots IS 'Point-in-time account balances, for equity curves.';
COMMENT ON TABLE position_snapshots IS 'Point-in-time position marks, for per-position PnL history.';
