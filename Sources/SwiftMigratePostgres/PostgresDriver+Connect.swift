import Foundation
import Logging
import PostgresNIO
import SwiftMigrate
import SwiftMigratePostgresCore
import Synchronization

extension PostgresDriver {
    /// Builds PostgresNIO's configuration from checked options: endpoint, credentials, TLS, startup parameters.
    static func connectionConfiguration(_ options: Options, url: DatabaseURL) throws(MigrateError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch options.endpoint {
        case .tcp(let host, let port):
            configuration = PostgresConnection.Configuration(
                host: host, port: port, username: options.user, password: options.password,
                database: options.database, tls: try tls(options, url: url)
            )
        case .unixSocket(let path):
            // libpq never uses TLS on a Unix socket, whatever sslmode says.
            configuration = PostgresConnection.Configuration(
                unixSocketPath: path, username: options.user, password: options.password, database: options.database
            )
        }
        // PostgresNIO has no "no limit"; a day is as good as forever for a connection attempt.
        configuration.options.connectTimeout = options.connectTimeout.map(timeAmount) ?? .hours(24)
        configuration.options.additionalStartupParameters = options.startupParameters.map { ($0.name, $0.value) }
        return configuration
    }

    /// libpq's sslmode semantics on NIOSSL: `prefer` and `require` encrypt without verifying (unless `require` is
    /// given an `sslrootcert`, which libpq then verifies like `verify-ca`), `verify-ca` checks the chain only,
    /// `verify-full` the chain and the host name.
    static func tls(_ options: Options, url: DatabaseURL) throws(MigrateError) -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        var mode = options.sslMode
        if mode == .require, options.sslRootCert != nil { mode = .verifyCA }
        switch mode {
        case .disable:
            return .disable
        case .allow, .prefer, .require:
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = try trustRoots(options, url: url)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            tls.trustRoots = try trustRoots(options, url: url)
        }
        if let certPath = options.sslCert {
            let keyPath = options.sslKey ?? "\(NSHomeDirectory())/.postgresql/postgresql.key"
            try requireFile(certPath, parameter: "sslcert", url: url)
            try requireFile(keyPath, parameter: "sslkey", url: url)
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certPath).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
            } catch {
                throw MigrateError(
                    .invalidURL, "cannot load the client certificate \(certPath) or key \(keyPath) (database URL \(url.redacted)): \(error)"
                )
            }
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw MigrateError(.connection, "cannot connect to \(url.redacted): cannot set up TLS: \(url.scrub("\(error)"))")
        }
        return mode == .allow || mode == .prefer ? .prefer(context) : .require(context)
    }

    /// The CA certificates to verify the server against: `sslrootcert` (a PEM file, or `system` for the
    /// operating system's store), else libpq's `~/.postgresql/root.crt` when it exists, else the system store.
    static func trustRoots(_ options: Options, url: DatabaseURL) throws(MigrateError) -> NIOSSLTrustRoots {
        guard let path = options.sslRootCert else {
            let fallback = "\(NSHomeDirectory())/.postgresql/root.crt"
            return FileManager.default.fileExists(atPath: fallback) ? try loadCertificates(fallback, url: url) : .default
        }
        if path == "system" { return .default }
        try requireFile(path, parameter: "sslrootcert", url: url)
        return try loadCertificates(path, url: url)
    }

    private static func loadCertificates(_ path: String, url: DatabaseURL) throws(MigrateError) -> NIOSSLTrustRoots {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw MigrateError(.invalidURL, "sslrootcert file \(path) is not a PEM certificate file (database URL \(url.redacted))")
        }
        guard !certificates.isEmpty else {
            throw MigrateError(.invalidURL, "sslrootcert file \(path) holds no certificate (database URL \(url.redacted))")
        }
        return .certificates(certificates)
    }

    private static func requireFile(_ path: String, parameter: String, url: DatabaseURL) throws(MigrateError) {
        guard FileManager.default.isReadableFile(atPath: path) else {
            let problem = FileManager.default.fileExists(atPath: path) ? "is not readable" : "does not exist"
            throw MigrateError(.invalidURL, "\(parameter) file \(path) \(problem) (database URL \(url.redacted))")
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    private static let connectionIDs = Mutex(0)

    /// Opens a connection, turning every failure into `cannot connect to URL: reason`.
    static func connect(
        _ configuration: PostgresConnection.Configuration, options: Options, url: DatabaseURL, logger: Logger
    ) async throws -> PostgresConnection {
        let id = connectionIDs.withLock { value in
            value += 1
            return value
        }
        do {
            return try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger
            )
        } catch let error as CancellationError {
            throw error
        } catch {
            throw connectionError(error, options: options, url: url)
        }
    }

    /// `cannot connect to URL: reason`, with the reason a person can act on and never the password.
    static func connectionError(_ error: any Error, options: Options, url: DatabaseURL) -> MigrateError {
        var sqlState: String?
        var detail: String?
        var hint: String?
        let reason: String
        let target: String
        switch options.endpoint {
        case .tcp(let host, let port): target = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unixSocket(let path): target = path
        }
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                let info = error.serverInfo
                sqlState = info?[.sqlState]
                detail = info?[.detail]
                hint = info?[.hint]
                reason = info?[.message] ?? "the server refused the connection"
                if reason.hasSuffix("no encryption") {
                    hint = hint ?? "the server accepts only TLS connections from here: use sslmode=require or stronger"
                }
            case .sslUnsupported:
                reason = "the server does not support TLS, which sslmode=\(options.sslMode.rawValue) requires"
                hint = "use sslmode=prefer or sslmode=disable to connect without TLS"
            case .authMechanismRequiresPassword:
                reason = "the server requires a password for user \"\(options.user)\" and none was given"
                hint = "put it in the URL (postgres://USER:PASSWORD@HOST/DB) or in PGPASSWORD"
            case .unsupportedAuthMechanism:
                reason = "the server asked for an authentication method that is not supported (use scram-sha-256, md5, password or trust)"
            case .saslError:
                reason = "SCRAM authentication failed: \(describe(error.underlying, target: target, options: options))"
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .failedToAddSSLHandler:
                reason = describe(error.underlying, target: target, options: options)
            default:
                reason = "\(error.code) \(describe(error.underlying, target: target, options: options))"
            }
        } else {
            reason = describe(error, target: target, options: options)
        }
        return MigrateError(
            .connection, "cannot connect to \(url.redacted): \(url.scrub(reason))", sqlState: sqlState,
            detail: detail.map(url.scrub), hint: hint.map(url.scrub), underlying: error
        )
    }

    /// A network, DNS or TLS error in words.
    static func describe(_ error: (any Error)?, target: String, options: Options) -> String {
        switch error {
        case nil:
            return "the server closed the connection during start-up"
        case let error as NIOConnectionError:
            if let failure = error.connectionErrors.first {
                return describe(failure.error, target: target, options: options)
            }
            if error.dnsAError != nil || error.dnsAAAAError != nil {
                return "unknown host \"\(error.host)\""
            }
            return "cannot reach \(target)"
        case let error as SocketAddressError.UnknownHost:
            return "unknown host \"\(error.host)\""
        case let error as ChannelError:
            if case .connectTimeout = error {
                let seconds = options.connectTimeout.map { "\($0.components.seconds) s" } ?? "too long"
                return "timed out after \(seconds) waiting for \(target) (connect_timeout)"
            }
            if case .eof = error { return "the server closed the connection during start-up" }
            return "\(error)"
        case let error as IOError:
            let text = String(cString: strerror(error.errnoCode)).lowercased()
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused by \(target); is the server running and accepting connections there?"
            case ENOENT: return "no server socket at \(target) (\(text))"
            default: return "\(text) (\(target))"
            }
        case let error as NIOSSLError:
            if case .handshakeFailed(let reason) = error { return "TLS handshake failed: \(reason)" }
            return "TLS failed: \(error)"
        case let error as PSQLError:
            return describe(error.underlying, target: target, options: options)
        case let error?:
            return "\(error)"
        }
    }
}
