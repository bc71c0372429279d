// Your code for table positions. `migrate models` created this file once and never
// overwrites it; the generated code is in PositionsModel.generated.swift.

import PostgresNIO

extension PositionsModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
