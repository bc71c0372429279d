// Your code for table tags. `migrate models` created this file once and never
// overwrites it; the generated code is in TagsModel.generated.swift.

import SwiftMigrateSQLite

extension TagsModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
