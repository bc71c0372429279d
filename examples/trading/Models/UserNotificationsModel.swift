// Your code for table user_notifications. `migrate models` created this file once and never
// overwrites it; the generated code is in UserNotificationsModel.generated.swift.

import PostgresNIO

extension UserNotificationsModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
