// Your code for table accounts. `migrate models` created this file once and never
// overwrites it; the generated code is in AccountsModel.generated.swift.

import PostgresNIO

extension AccountsModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
