import Foundation
@testable import MicroHTTPDHost
import Testing

/// The watch's entries as the thread serving a connection holds them: a change made through the entry is the one
/// the sweep judges by (not a copy of it), and each phase keeps its own deadline.
@Suite struct ConnectionWatchTests {
    /// A connection handle for the watch's bookkeeping only: it is a key, never dereferenced (descriptor -1 is
    /// never shut down).
    private func handle(_ number: Int) -> OpaquePointer { OpaquePointer(bitPattern: number * 16)! }

    @Test func theSweepJudgesEachConnectionByThePhaseItsEntryWasMovedTo() throws {
        // Every deadline already passed a millisecond after it started.
        let watch = ConnectionWatch(requestTimeout: .zero, idleTimeout: .zero, connectionLimit: 100, reserve: 1)
        let answering = watch.opened(handle(1), fd: -1)
        let silent = watch.opened(handle(2), fd: -1)
        let receiving = watch.opened(handle(3), fd: -1)
        let idle = watch.opened(handle(4), fd: -1)
        let now = ContinuousClock.now
        watch.headersArrived(answering, at: now)
        watch.requestReceived(answering)
        watch.headersArrived(receiving, at: now)
        watch.headersArrived(idle, at: now)
        watch.requestReceived(idle)
        watch.requestEnded(idle, at: now)
        #expect(watch.watched(handle(1)) === answering)
        #expect(watch.watched(handle(5)) == nil)
        _ = silent
        Thread.sleep(forTimeInterval: 0.002)
        // The silent one (first request), the one sending its body and the idle keep-alive one are overdue; the
        // one being answered never is.
        #expect(watch.sweep() == 3)
        #expect(watch.endedCount == 3)
        // Ended ones stay ended: a late requestEnded does not bring one back, and nothing is ended twice.
        watch.requestEnded(receiving, at: ContinuousClock.now)
        Thread.sleep(forTimeInterval: 0.002)
        #expect(watch.sweep() == 0)
        // Once its answer is over, the answered one waits for its next request like any other.
        watch.requestEnded(answering, at: ContinuousClock.now)
        Thread.sleep(forTimeInterval: 0.002)
        #expect(watch.sweep() == 1)
        watch.closed(handle(1))
        #expect(watch.watched(handle(1)) == nil)
    }
}
