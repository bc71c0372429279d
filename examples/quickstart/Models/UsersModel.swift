// Your code for table users. `migrate models` created this file once and never
// overwrites it; the generated code is in UsersModel.generated.swift.

import SwiftMigrateSQLite

extension UsersModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
