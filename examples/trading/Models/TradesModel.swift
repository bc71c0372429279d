// Your code for table trades. `migrate models` created this file once and never
// overwrites it; the generated code is in TradesModel.generated.swift.

import PostgresNIO

extension TradesModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
