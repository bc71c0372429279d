// Your code for table orders. `migrate models` created this file once and never
// overwrites it; the generated code is in OrdersModel.generated.swift.

import PostgresNIO

extension OrdersModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
