// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-migrate",
    // macOS 15: Synchronization's Mutex and TaskExecutor (the drivers' preferred executors) need it.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "migrate", targets: ["MigrateCommand"]),
        .library(name: "SwiftMigrate", targets: ["SwiftMigrate"]),
        .library(name: "SwiftMigratePostgres", targets: ["SwiftMigratePostgres"]),
        .library(name: "SwiftMigrateLibPQ", targets: ["SwiftMigrateLibPQ"]),
        .library(name: "SwiftMigrateSQLite", targets: ["SwiftMigrateSQLite"]),
        .library(name: "SwiftMigrateModels", targets: ["SwiftMigrateModels"]),
        .library(name: "SwiftMigrateService", targets: ["SwiftMigrateService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // The engine: sources, the SQL lexer, the planner, the runner. Imports no database.
        .target(
            name: "SwiftMigrate",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .target(name: "CCrypto", condition: .when(platforms: [.linux])),
            ],
            swiftSettings: swiftSettings
        ),
        // The system's libcrypto (OpenSSL; libpq links it already) for the checksums' SHA-256 on Linux; CryptoKit
        // on Apple platforms.
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // What both PostgreSQL drivers do the same way (version and history tables, advisory locks, drop, schema
        // snapshot, catalog), on a text-in, text-out session each driver provides. Knows no client library.
        .target(
            name: "SwiftMigratePostgresCore",
            dependencies: ["SwiftMigrate", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // PostgreSQL driver on PostgresNIO, for apps that bring their own PostgresClient.
        .target(
            name: "SwiftMigratePostgres",
            dependencies: [
                "SwiftMigrate",
                "SwiftMigratePostgresCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The system libpq (psql's own client library): the simple query protocol, libpq's connection handling.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        // PostgreSQL driver on libpq: the migrate command's. One round trip per transactional migration.
        .target(
            name: "SwiftMigrateLibPQ",
            dependencies: [
                "SwiftMigrate", "SwiftMigratePostgresCore", "CLibPQ", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The system SQLite C library (libsqlite3): the full C API, so every statement of a script runs
        // (prepare with tail) and errors carry their offset (sqlite3_error_offset).
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .target(
            name: "SwiftMigrateSQLite",
            dependencies: ["SwiftMigrate", "CSQLite", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Migrating inside a Swift service: a ServiceLifecycle service on the app's own PostgresClient. Its own
        // product, so that the engine and the drivers do not depend on ServiceLifecycle.
        .target(
            name: "SwiftMigrateService",
            dependencies: [
                "SwiftMigrate",
                "SwiftMigratePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Code generation: Swift models from a DatabaseCatalog (`migrate models`). Knows no database.
        .target(name: "SwiftMigrateModels", dependencies: ["SwiftMigrate"], swiftSettings: swiftSettings),
        // The `migrate` command line: a thin layer over the library.
        .executableTarget(
            name: "MigrateCommand",
            dependencies: [
                "SwiftMigrate",
                "SwiftMigrateModels",
                "SwiftMigrateLibPQ",
                "SwiftMigrateSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            // A position-dependent release executable on Linux, as Go builds dbmate and golang-migrate: the loader
            // then has no 2.7 MB of relative relocations to apply at every start, which cost about 1 ms and 5 MiB
            // of resident memory per run (docs/benchmarks.md). The price is that the executable's own code is not
            // address-randomized. Only this executable target carries the flag, so the library products stay
            // usable as dependencies.
            linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie"], .when(platforms: [.linux], configuration: .release))]
        ),
        // The trading example's models, generated by `migrate models` from examples/trading/migrations.
        .target(
            name: "TradingModels",
            dependencies: [.product(name: "PostgresNIO", package: "postgres-nio")],
            path: "examples/trading/Models",
            swiftSettings: swiftSettings
        ),
        // The quickstart example's models, generated by `migrate models` from examples/quickstart/migrations (SQLite).
        .target(
            name: "QuickstartModels",
            dependencies: ["SwiftMigrateSQLite"],
            path: "examples/quickstart/Models",
            swiftSettings: swiftSettings
        ),
        // The example service (examples/hummingbird-service): a Hummingbird 2 app that migrates its database at
        // startup through MigrationService on its own PostgresClient, then serves the trading models as JSON.
        .executableTarget(
            name: "TradingService",
            dependencies: [
                "SwiftMigrate",
                "SwiftMigrateService",
                "TradingModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "examples/hummingbird-service/Sources/TradingService",
            resources: [.copy("migrations")],
            swiftSettings: swiftSettings
        ),
        // The generator's golden output for a small catalog (Tests/SwiftMigrateModelsTests), compiled so that
        // every shape of generated code is proven to build without warnings.
        .target(
            name: "GoldenModels",
            dependencies: [.product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/GoldenModels",
            swiftSettings: swiftSettings
        ),
        // What the test targets share: starting child processes (TestProcess: Foundation's Process crashes under
        // the test run's load on Linux, see there).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "SwiftMigrateTests", dependencies: ["SwiftMigrate"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SwiftMigrateModelsTests", dependencies: ["SwiftMigrate", "SwiftMigrateModels"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TradingModelsTests",
            dependencies: [
                "TradingModels", "SwiftMigrate", "SwiftMigratePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoldenModelsTests",
            dependencies: [
                "GoldenModels", "SwiftMigrate", "SwiftMigrateModels", "SwiftMigratePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QuickstartModelsTests",
            dependencies: ["QuickstartModels", "SwiftMigrate", "SwiftMigrateSQLite", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwiftMigratePostgresTests",
            dependencies: ["SwiftMigrate", "SwiftMigratePostgres", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwiftMigrateSQLiteTests",
            dependencies: ["SwiftMigrate", "SwiftMigrateSQLite", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwiftMigrateServiceTests",
            dependencies: [
                "SwiftMigrate", "SwiftMigratePostgres", "SwiftMigrateService",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // One suite, every driver (PostgresNIO, libpq, SQLite): what DatabaseDriver promises, on real databases.
        .testTarget(
            name: "DriverConformanceTests",
            dependencies: [
                "SwiftMigrate", "SwiftMigratePostgres", "SwiftMigrateLibPQ", "SwiftMigrateSQLite", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // MigrationFleet on real databases: PostgreSQL databases and tenant schemas (both drivers) and SQLite files.
        .testTarget(
            name: "SwiftMigrateFleetTests",
            dependencies: [
                "SwiftMigrate", "SwiftMigratePostgres", "SwiftMigrateLibPQ", "SwiftMigrateSQLite", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Starts the example service's binary against the test server and talks HTTP to it.
        .testTarget(name: "TradingServiceTests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MigrateCommandTests",
            dependencies: ["SwiftMigrate", "SwiftMigratePostgresCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
