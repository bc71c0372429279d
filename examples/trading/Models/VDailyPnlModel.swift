// Your code for materialized view v_daily_pnl. `migrate models` created this file once and never
// overwrites it; the generated code is in VDailyPnlModel.generated.swift.

import PostgresNIO

extension VDailyPnlModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
