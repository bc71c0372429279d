import Foundation
import Logging
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

/// Collects every log record, message and metadata, rendered as text.
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return lines.joined(separator: "\n") }

    var logger: Logger {
        var logger = Logger(label: "swift-migrate.secrets") { label in CapturingLogHandler(label: label, sink: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let label: String
    let sink: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        sink.append("\(event.level) \(event.message) \(merged) \(event.source) \(label)")
    }
}

/// The library never hands the password to a log, an error description or a rendered error, at any log level,
/// whether the login works or not.
@Suite struct SecretsTests {
    static let password = "S3ntinel-pa55word"

    /// Everything an app could print about an error.
    static func everything(_ error: any Error) -> String {
        var text = "\(error) \(String(reflecting: error)) \(error.localizedDescription)"
        if let error = error as? MigrateError {
            text += " \(error.rendered()) \(error.detail ?? "") \(error.hint ?? "") \(error.statement ?? "")"
        }
        return text
    }

    @Test func noPasswordInLogsOrErrorsAtTraceLevel() async throws {
        try await TestDatabase.with { db in
            let logs = CapturedLogs()
            var seen: [String] = []
            let good = try DatabaseURL("postgres://migrate_pw:\(Self.password)@\(try db.hostPort())/\(db.name)?sslmode=disable&application_name=secrets")
            seen.append(good.redacted)
            seen.append("\(good)")
            let driver = try await PostgresDriver.open(url: good, logger: logs.logger)
            seen.append(driver.displayURL)
            let migrator = Migrator(
                source: InMemorySource(files: ["1_ok.up.sql": "CREATE TABLE ok (id int);", "2_bad.up.sql": "SELEC 1;"]),
                driver: driver, logger: logs.logger
            )
            do {
                try await migrator.up()
                Issue.record("2_bad should fail")
            } catch {
                seen.append(Self.everything(error))
            }
            let status = try await migrator.status()
            seen.append("\(status)")
            try await driver.close()

            for variant in ["\(Self.password)x", ""] {
                let wrong = try DatabaseURL("postgres://migrate_pw:\(variant)@\(try db.hostPort())/\(db.name)?sslmode=disable")
                do {
                    _ = try await PostgresDriver.open(url: wrong, logger: logs.logger)
                    Issue.record("a wrong password must fail")
                } catch {
                    seen.append(Self.everything(error))
                }
            }
            // Refused connection and bad URLs, with the password in them.
            for text in [
                "postgres://migrate_pw:\(Self.password)@127.0.0.1:1/\(db.name)?sslmode=disable&connect_timeout=2",
                "postgres://migrate_pw:\(Self.password)@127.0.0.1:\(try db.hostPort().split(separator: ":").last!)/\(db.name)?sslmode=bogus",
                "postgres://migrate_pw:\(Self.password)@127.0.0.1:99999/db",
            ] {
                do {
                    _ = try await PostgresDriver.open(url: try DatabaseURL(text), logger: logs.logger)
                    Issue.record("\(text.replacingOccurrences(of: Self.password, with: "***")) must fail")
                } catch {
                    seen.append(Self.everything(error))
                }
            }
            #expect(!logs.text.isEmpty, "trace logging captured something")
            let leaks = (seen + [logs.text]).filter { $0.contains(Self.password) }
            #expect(leaks.isEmpty, "\(leaks.map { $0.replacingOccurrences(of: Self.password, with: "<SENTINEL>") })")
        }
    }
}
