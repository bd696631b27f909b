import Foundation
import MockRunsSync

#if canImport(Glibc)
    import Glibc
#endif

/// A one-connection TCP server that answers with exactly the bytes it is given (or stays silent), for answers
/// no real server would send: chunked by hand, malformed, oversized, never finished.
final class RawServer: Sendable {
    let port: Int
    private let listener: Int32
    /// The request bytes the client sent (up to the end of its headers and any body read with them).
    let received = Locked<[UInt8]>([])

    /// `answer` is written once the request's headers are in (a byte at a time, `byteDelay` seconds apart, when
    /// given); `holdOpen` seconds later the connection closes.
    init(answer: [UInt8], holdOpen: Double = 0, byteDelay: Double = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 4) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let received = self.received
        Thread.detachNewThread {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            var request: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while !request.ends(with: Array("\r\n\r\n".utf8)) {
                let count = recv(client, &buffer, buffer.count, 0)
                if count <= 0 { break }
                request.append(contentsOf: buffer[0..<count])
            }
            received.withLock { $0 = request }
            var offset = 0
            while offset < answer.count {
                if byteDelay > 0 { usleep(UInt32(byteDelay * 1_000_000)) }
                let end = byteDelay > 0 ? offset + 1 : answer.count
                let written = answer[offset..<end].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written <= 0 { break }
                offset += written
            }
            if holdOpen > 0 { usleep(UInt32(holdOpen * 1_000_000)) }
            close(client)
        }
    }

    deinit { close(listener) }

    var url: String { "http://127.0.0.1:\(port)" }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
