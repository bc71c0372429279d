// Your code for table position_snapshots. `migrate models` created this file once and never
// overwrites it; the generated code is in PositionSnapshotsModel.generated.swift.

import PostgresNIO

extension PositionSnapshotsModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
