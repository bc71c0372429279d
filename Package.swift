// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-migrate",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "migrate", targets: ["MigrateCommand"]),
        .library(name: "SwiftMigrate", targets: ["SwiftMigrate"]),
        .library(name: "SwiftMigratePostgres", targets: ["SwiftMigratePostgres"]),
        .library(name: "SwiftMigrateSQLite", targets: ["SwiftMigrateSQLite"]),
        .library(name: "SwiftMigrateModels", targets: ["SwiftMigrateModels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // The engine: sources, the SQL lexer, the planner, the runner. Imports no database.
        .target(
            name: "SwiftMigrate",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // PostgreSQL driver on PostgresNIO.
        .target(
            name: "SwiftMigratePostgres",
            dependencies: [
                "SwiftMigrate",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
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
        // Code generation: Swift models from a DatabaseCatalog (`migrate models`). Knows no database.
        .target(name: "SwiftMigrateModels", dependencies: ["SwiftMigrate"], swiftSettings: swiftSettings),
        // The `migrate` command line: a thin layer over the library.
        .executableTarget(
            name: "MigrateCommand",
            dependencies: [
                "SwiftMigrate",
                "SwiftMigrateModels",
                "SwiftMigratePostgres",
                "SwiftMigrateSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
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
        .testTarget(name: "SwiftMigrateTests", dependencies: ["SwiftMigrate"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SwiftMigrateModelsTests", dependencies: ["SwiftMigrate", "SwiftMigrateModels"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwiftMigratePostgresTests",
            dependencies: ["SwiftMigrate", "SwiftMigratePostgres", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwiftMigrateSQLiteTests",
            dependencies: ["SwiftMigrate", "SwiftMigrateSQLite", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MigrateCommandTests",
            dependencies: ["SwiftMigrate"],
            swiftSettings: swiftSettings
        ),
    ]
)
