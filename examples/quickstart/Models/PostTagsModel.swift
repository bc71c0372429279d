// Your code for table post_tags. `migrate models` created this file once and never
// overwrites it; the generated code is in PostTagsModel.generated.swift.

import SwiftMigrateSQLite

extension PostTagsModel {
    // Add your own queries here; bind every value (see ModelBindings) instead of splicing it into SQL.
}
