import SwiftMigrate
import SwiftMigrateLibPQ
import SwiftMigrateSQLite

/// The drivers the `migrate` command can open; the library's registry picks one by URL scheme.
let drivers = DriverRegistry([LibPQDriver.self, SQLiteDriver.self])
