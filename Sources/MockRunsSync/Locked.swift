#if DEBUG
    #if canImport(Glibc)
        import Glibc
    #elseif canImport(Darwin)
        import Darwin
    #endif
#else
    import Synchronization
#endif

/// The one lock for state shared between libmicrohttpd's thread, timers and callers: `withLock` runs a closure
/// with exclusive access to the value.
///
/// Release builds use `Synchronization.Mutex`. Debug builds (what `swift test` and `scripts/tsan` build) use a
/// pthread mutex instead, because ThreadSanitizer on Linux cannot see `Mutex` (a futex it does not intercept)
/// and reports false races on everything it guards, which would hide the real ones.
/// `withLock` is inlinable: specialised where it is called, taking the lock costs no generic-metadata look-up
/// (that look-up was a twentieth of a status poll).
public final class Locked<Value>: @unchecked Sendable {
    #if DEBUG
        @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
        @usableFromInline var value: Value

        public init(_ value: sending Value) {
            self.value = value
            mutex = .allocate(capacity: 1)
            mutex.initialize(to: pthread_mutex_t())
            pthread_mutex_init(mutex, nil)
        }

        deinit {
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
        }

        @inlinable
        public func withLock<T, E: Error>(_ body: (inout sending Value) throws(E) -> sending T) throws(E) -> sending T {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&value)
        }
    #else
        @usableFromInline let mutex: Mutex<Value>

        public init(_ value: sending Value) {
            mutex = Mutex(value)
        }

        @inlinable
        public func withLock<T, E: Error>(_ body: (inout sending Value) throws(E) -> sending T) throws(E) -> sending T {
            try mutex.withLock(body)
        }
    #endif
}
