// Your code for table account_snapshots. `migrate models` created this file once and never
// overwrites it; the generated code is in AccountSnapshotsModel.generated.swift.

import PostgresNIO

extension AccountSnapshotsModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
