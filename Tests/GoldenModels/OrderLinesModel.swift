// Your code for table order_lines. `migrate models` created this file once and never
// overwrites it; the generated code is in OrderLinesModel.generated.swift.

import PostgresNIO

extension OrderLinesModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
