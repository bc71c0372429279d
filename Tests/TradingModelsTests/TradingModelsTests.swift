import Foundation
import PostgresNIO
import Testing
import TradingModels

/// The committed, generated trading models (examples/trading/Models) against the migrated trading schema.
@Suite struct TradingModelsTests {
    let logger = TradingDatabase.logger

    @Test func insertTakesDefaultsAndFindsByKeyAndUniqueIndex() async throws {
        try await TradingDatabase.with { (db: TradingDatabase) async throws in
            let accounts = AccountsModel(db.connection, logger: logger)
            let inserted = try await accounts.insert(AccountsInsert(modelId: "model-1", exchange: "binance"))
            #expect(inserted.id == 1)
            #expect(inserted.modelId == "model-1")
            #expect(inserted.baseCurrency == "USDT")
            #expect(inserted.balance == 0)
            #expect(inserted.status == "active")
            #expect(abs(inserted.createdAt.timeIntervalSinceNow) < 24 * 3600)
            #expect(inserted.createdAt == inserted.updatedAt)  // both now(): the transaction's start
            // A value given is sent; one left nil is not (the database's default applies).
            let second = try await accounts.insert(AccountsInsert(modelId: "model-1", exchange: "okx", baseCurrency: "USD"))
            #expect(second.id == 2)
            #expect(second.baseCurrency == "USD")

            #expect(try await accounts.findOne(id: 1) == inserted)
            #expect(try await accounts.findOne(id: 99) == nil)
            #expect(try await accounts.findOneByModelIdAndExchange(modelId: "model-1", exchange: "okx") == second)
            #expect(try await accounts.findOneByModelIdAndExchange(modelId: "model-2", exchange: "okx") == nil)
        }
    }

    @Test func numericValuesRoundTripExactly() async throws {
        try await TradingDatabase.with { (db: TradingDatabase) async throws in
            let accounts = AccountsModel(db.connection, logger: logger)
            let values = ["123456789012.12345678", "999999999999.99999999", "0.00000001", "0.1", "42"]
            for (index, text) in values.enumerated() {
                let balance = try #require(Decimal(string: text))
                let row = try await accounts.insert(
                    AccountsInsert(modelId: "m", exchange: "x\(index)", balance: balance, equity: balance)
                )
                #expect(row.balance == balance)
                #expect(try await accounts.findOne(id: row.id)?.balance == balance)
                // What the database stored, read without the models: every digit.
                let stored = try await db.text("SELECT balance::text FROM accounts WHERE id = \(row.id)")
                #expect(stored.flatMap { Decimal(string: $0) } == balance)
            }
            #expect(try await db.text("SELECT balance::text FROM accounts WHERE exchange = 'x0'") == "123456789012.12345678")
        }
    }

    @Test func nullableColumnsEnumsAndTimestamps() async throws {
        try await TradingDatabase.with { (db: TradingDatabase) async throws in
            let account = try await AccountsModel(db.connection, logger: logger).insert(AccountsInsert(modelId: "m", exchange: "x"))
            let positions = PositionsModel(db.connection, logger: logger)
            let opened = Date(timeIntervalSince1970: 1_762_300_800.25)  // a quarter second: exact in binary and in microseconds
            let position = try await positions.insert(
                PositionsInsert(
                    accountId: account.id, modelId: "m", symbol: "BTCUSDT", side: .long, quantity: Decimal(string: "0.5")!,
                    entryPrice: Decimal(string: "65000.12345678")!, markPrice: nil, openedAt: opened
                )
            )
            #expect(position.side == .long)
            #expect(position.markPrice == nil)
            #expect(position.closedAt == nil)
            #expect(position.leverage == 1)
            #expect(position.openedAt == opened)
            #expect(try await db.text("SELECT side::text || ' ' || (mark_price IS NULL)::text FROM positions") == "long true")
            #expect(try await db.text("SELECT to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM positions") == "2025-11-05 00:00:00.250000")

            let trades = TradesModel(db.connection, logger: logger)
            let trade = try await trades.insert(
                TradesInsert(
                    accountId: account.id, positionId: nil, modelId: "m", symbol: "BTCUSDT", side: .sell,
                    quantity: Decimal(string: "0.25")!, price: Decimal(string: "66000")!, exchangeOrderId: "ord-1"
                )
            )
            #expect(trade.side == .sell)
            #expect(trade.positionId == nil)
            #expect(trade.fee == 0)
            #expect(try await trades.findOneByAccountIdAndExchangeOrderId(accountId: account.id, exchangeOrderId: "ord-1") == trade)
            #expect(try await trades.findOneByAccountIdAndExchangeOrderId(accountId: account.id, exchangeOrderId: "ord-2") == nil)
        }
    }

    @Test func updateAndDelete() async throws {
        try await TradingDatabase.with { (db: TradingDatabase) async throws in
            let account = try await AccountsModel(db.connection, logger: logger).insert(AccountsInsert(modelId: "m", exchange: "x"))
            let positions = PositionsModel(db.connection, logger: logger)
            var position = try await positions.insert(
                PositionsInsert(
                    accountId: account.id, modelId: "m", symbol: "ETHUSDT", side: .short, quantity: 2, entryPrice: 3000,
                    markPrice: 2990
                )
            )
            let closed = Date(timeIntervalSince1970: 1_762_387_200)
            position.status = "closed"
            position.closedAt = closed
            position.markPrice = nil
            position.realizedPnl = Decimal(string: "20.00000001")!
            let updated = try await positions.update(position)
            #expect(updated == position)
            #expect(try await positions.findOne(id: position.id) == position)
            #expect(try await db.text("SELECT status || ' ' || realized_pnl::text || ' ' || (mark_price IS NULL)::text FROM positions") == "closed 20.00000001 true")

            var missing = position
            missing.id = 999
            #expect(try await positions.update(missing) == nil)

            #expect(try await positions.delete(id: position.id) == true)
            #expect(try await positions.findOne(id: position.id) == nil)
            #expect(try await positions.delete(id: position.id) == false)
            #expect(try await db.text("SELECT count(*)::text FROM positions") == "0")
        }
    }

    @Test func materializedViewIsReadOnlyAndFoundByItsUniqueIndex() async throws {
        try await TradingDatabase.with { (db: TradingDatabase) async throws in
            let account = try await AccountsModel(db.connection, logger: logger).insert(AccountsInsert(modelId: "m", exchange: "x"))
            let trades = TradesModel(db.connection, logger: logger)
            let noon = Date(timeIntervalSince1970: 1_762_344_000)  // 2025-11-05 12:00 UTC: the same date in any time zone ±11 h
            for pnl in ["10.25000000", "5.25", "-0.00000001"] {
                _ = try await trades.insert(
                    TradesInsert(
                        accountId: account.id, positionId: nil, modelId: "m", symbol: "BTCUSDT", side: .buy, quantity: 1,
                        price: 1, closedPnl: Decimal(string: pnl)!, exchangeOrderId: nil, createdAt: noon
                    )
                )
            }
            let daily = VDailyPnlModel(db.connection, logger: logger)
            #expect(try await daily.fetchAll() == [])
            try await db.connection.query("REFRESH MATERIALIZED VIEW v_daily_pnl", logger: logger)
            let day = Date(timeIntervalSince1970: 1_762_300_800)  // 2025-11-05 00:00 UTC, as PostgresNIO reads a date
            let expected = VDailyPnlRow(modelId: "m", date: day, totalPnl: SQLNumeric(rawValue: "15.49999999"))
            #expect(try await daily.fetchAll() == [expected])
            #expect(try await daily.findOneByModelIdAndDate(modelId: "m", date: day) == expected)
            #expect(try await daily.findOneByModelIdAndDate(modelId: "m", date: day.addingTimeInterval(86_400)) == nil)
        }
    }

    @Test func notificationsTakeTheirDefaults() async throws {
        try await TradingDatabase.with { (db: TradingDatabase) async throws in
            let notifications = UserNotificationsModel(db.connection, logger: logger)
            let row = try await notifications.insert(UserNotificationsInsert(userId: "u1", message: "filled"))
            #expect(row.readAt == nil)
            #expect(row.id == 1)
            var read = row
            read.readAt = Date(timeIntervalSince1970: 1_762_300_800)
            #expect(try await notifications.update(read) == read)
            // Codable with the column names.
            let json = try JSONEncoder().encode(read)
            let keys = try JSONSerialization.jsonObject(with: json) as? [String: Any]
            #expect(keys.map { Set($0.keys) } == ["id", "user_id", "message", "read_at", "created_at"])
        }
    }
}
