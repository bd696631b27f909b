#if canImport(Glibc)
    import Glibc
#endif
import Scenarios

/// Real elapsed time for `wall` clock scenarios and the journal's `wallMs`: the one clock mockruns reads, handed
/// to the engine by whoever starts a server (the command line, an embedded `MockRunsServer`).
public struct MonotonicTime: TimeSource {
    public init() {}

    public func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
