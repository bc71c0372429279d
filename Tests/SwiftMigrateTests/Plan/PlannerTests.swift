import Testing
@testable import SwiftMigrate

/// golang-migrate's step, limit and goto semantics over a source with gaps and missing halves.
@Suite struct PlannerTests {
    /// Versions 1, 3, 4, 7: gaps between them; 4 has no down file, 7 has no up file.
    let planner = Planner(migrations: [
        migration(1), migration(3), migration(4, down: false), migration(7, up: false),
    ])

    static func migration(_ version: Int64, up: Bool = true, down: Bool = true) -> Migration {
        Migration(
            version: version, name: "m\(version)",
            up: up ? MigrationScript(path: "\(version)_m\(version).up.sql", contents: "SELECT \(version);") : nil,
            down: down ? MigrationScript(path: "\(version)_m\(version).down.sql", contents: "SELECT -\(version);") : nil
        )
    }

    func summary(_ plan: Plan) -> [String] {
        plan.steps.map { "\($0.migration.version)\($0.direction.letter)->\($0.targetVersion.map(String.init) ?? "nil")" }
    }

    @Test func upAllFromNothingAppliesEveryVersionInOrder() {
        let plan = planner.plan(.upAll, from: nil)
        #expect(summary(plan) == ["1u->1", "3u->3", "4u->4", "7u->7"])
        #expect(plan.trailingError == nil)
    }

    @Test func upAllAtTheEndIsNoChange() {
        #expect(planner.plan(.upAll, from: 7).isNoChange)
    }

    @Test func upNWithinRange() {
        #expect(summary(planner.plan(.up(2), from: 1)) == ["3u->3", "4u->4"])
    }

    @Test func upNPastTheEndAppliesWhatExistsThenLimitShort() {
        let plan = planner.plan(.up(5), from: 3)
        #expect(summary(plan) == ["4u->4", "7u->7"])
        #expect(plan.trailingError == .shortLimit(3))
        #expect(plan.trailingError?.error.message == "limit 3 short")
    }

    @Test func upNAtTheEndHasNothingToApply() {
        let plan = planner.plan(.up(1), from: 7)
        #expect(plan.steps.isEmpty)
        #expect(plan.trailingError == .nothingToApply(.up, current: 7))
    }

    @Test func upZeroIsNoChange() {
        #expect(planner.plan(.up(0), from: 1).isNoChange)
    }

    @Test func stepWithoutUpFileStillMovesTheVersion() {
        let plan = planner.plan(.upAll, from: 4)
        #expect(summary(plan) == ["7u->7"])
        #expect(plan.steps[0].script == nil)
    }

    @Test func downOneRunsTheCurrentDownFileAndTargetsThePreviousVersion() {
        let plan = planner.plan(.down(1), from: 4)
        #expect(summary(plan) == ["4d->3"])
        #expect(plan.steps[0].script == nil)  // 4 has no down file: only the version moves
    }

    @Test func downAllGoesToNilVersion() {
        #expect(summary(planner.plan(.downAll, from: 7)) == ["7d->4", "4d->3", "3d->1", "1d->nil"])
    }

    @Test func downAllFromNothingIsNoChange() {
        #expect(planner.plan(.downAll, from: nil).isNoChange)
    }

    @Test func downNFromNothingHasNothingToApply() {
        #expect(planner.plan(.down(1), from: nil).trailingError == .nothingToApply(.down, current: nil))
    }

    @Test func downNPastTheStartIsLimitShort() {
        let plan = planner.plan(.down(4), from: 3)
        #expect(summary(plan) == ["3d->1", "1d->nil"])
        #expect(plan.trailingError == .shortLimit(2))
    }

    @Test func gotoUpAndDown() {
        #expect(summary(planner.plan(.goto(4), from: nil)) == ["1u->1", "3u->3", "4u->4"])
        #expect(summary(planner.plan(.goto(3), from: 7)) == ["7d->4", "4d->3"])
        #expect(planner.plan(.goto(3), from: 3).isNoChange)
    }

    @Test func gotoAVersionAbsentFromTheSourceFails() {
        let plan = planner.plan(.goto(5), from: 1)
        #expect(plan.steps.isEmpty)
        #expect(plan.trailingError == .targetVersionMissing(5))
        #expect(plan.trailingError?.error.message.hasPrefix("no migration found for version 5") == true)
    }

    @Test func currentVersionAbsentFromTheSourceFailsEveryRequest() {
        for request in [MigrationRequest.upAll, .up(1), .downAll, .down(1), .goto(1)] {
            #expect(planner.plan(request, from: 2).trailingError == .currentVersionMissing(2))
        }
    }

    @Test func labelsFollowGolangMigrate() {
        #expect(planner.plan(.up(1), from: nil).steps[0].label == "1/u m1")
        #expect(planner.plan(.down(1), from: 1).steps[0].label == "1/d m1")
    }
}
