extension Duration {
    /// Whole milliseconds, rounded toward zero and saturating at `Int64.min`/`Int64.max`: drivers turn timeouts
    /// an app configured into the integers a database takes, and `.seconds(Int64.max)` must not trap.
    package var saturatingMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        if overflowAgain { return seconds < 0 ? .min : .max }
        return total
    }

    /// Milliseconds as a fraction, for reports and history rows.
    package var fractionalMilliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
