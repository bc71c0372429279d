// Your code for materialized view v_open_exposure. `migrate models` created this file once and never
// overwrites it; the generated code is in VOpenExposureModel.generated.swift.

import PostgresNIO

extension VOpenExposureModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
