// Your code for table posts. `migrate models` created this file once and never
// overwrites it; the generated code is in PostsModel.generated.swift.

import SwiftMigrateSQLite

extension PostsModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
