// Your code for materialized view order_totals. `migrate models` created this file once and never
// overwrites it; the generated code is in OrderTotalsModel.generated.swift.

import PostgresNIO

extension OrderTotalsModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
