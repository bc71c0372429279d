/// Resolves a request against the migrations and the database version into steps, with golang-migrate's
/// semantics: the database version must exist in the source; up runs the next versions in order; down runs
/// the down file of the current version and moves to the previous one; a missing file only moves the version.
///
/// Pure: it never touches a database, so every rule is tested without one.
public struct Planner: Sendable {
    /// Migrations in ascending version order with unique versions.
    public let migrations: [Migration]
    private let indexByVersion: [Int64: Int]

    public init(migrations: [Migration]) {
        self.migrations = migrations
        var index: [Int64: Int] = [:]
        index.reserveCapacity(migrations.count)
        for (i, migration) in migrations.enumerated() { index[migration.version] = i }
        self.indexByVersion = index
    }

    /// The steps for `request` from `current` (nil: nothing applied).
    public func plan(_ request: MigrationRequest, from current: Int64?) -> Plan {
        // golang-migrate checks that the current version exists before anything else.
        var position: Int?  // index of the current version; nil = before the first
        if let current {
            guard let i = indexByVersion[current] else {
                return Plan(steps: [], trailingError: .currentVersionMissing(current))
            }
            position = i
        }
        switch request {
        case .upAll:
            return up(from: position, limit: nil)
        case .up(let n):
            return n == 0 ? Plan(steps: []) : up(from: position, limit: n, current: current)
        case .downAll:
            return down(from: position, limit: nil)
        case .down(let n):
            return n == 0 ? Plan(steps: []) : down(from: position, limit: n)
        case .goto(let target):
            guard let targetIndex = indexByVersion[target] else {
                return Plan(steps: [], trailingError: .targetVersionMissing(target))
            }
            if let position, position == targetIndex { return Plan(steps: []) }
            if position.map({ $0 < targetIndex }) ?? true {
                return up(from: position, limit: targetIndex - (position ?? -1))
            }
            return down(from: position, limit: position! - targetIndex)
        }
    }

    private func up(from position: Int?, limit: Int?, current: Int64? = nil) -> Plan {
        let start = (position ?? -1) + 1
        let available = migrations.count - start
        let count = limit.map { min($0, available) } ?? available
        let steps = migrations[start..<(start + max(count, 0))].map {
            PlanStep(migration: $0, direction: .up, targetVersion: $0.version)
        }
        guard let limit else { return Plan(steps: steps) }
        if steps.isEmpty { return Plan(steps: [], trailingError: .nothingToApply(.up, current: current)) }
        return Plan(steps: steps, trailingError: limit > steps.count ? .shortLimit(limit - steps.count) : nil)
    }

    private func down(from position: Int?, limit: Int?) -> Plan {
        guard let position else {
            return Plan(steps: [], trailingError: limit == nil ? nil : .nothingToApply(.down, current: nil))
        }
        let available = position + 1
        let count = limit.map { min($0, available) } ?? available
        var steps: [PlanStep] = []
        steps.reserveCapacity(count)
        for i in stride(from: position, to: position - count, by: -1) {
            steps.append(PlanStep(
                migration: migrations[i], direction: .down, targetVersion: i > 0 ? migrations[i - 1].version : nil
            ))
        }
        if let limit, limit > steps.count { return Plan(steps: steps, trailingError: .shortLimit(limit - steps.count)) }
        return Plan(steps: steps)
    }
}
