import CMicroHTTPD
@testable import MicroHTTPDHost
import MockRunsHTTP

/// A libmicrohttpd response made the way the server makes one, and the header list libmicrohttpd holds for a
/// response: what the restamp tests compare a kept response against (it sends what that list says).
enum MHDResponseFixture {
    /// A response for `fields` and `body`, its headers added as the server adds them.
    static func made(_ fields: [(String, String)], body: [UInt8]) -> OpaquePointer {
        let response = body.withUnsafeBytes { raw in
            MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)!
        }
        ConnectionMemo.addHeaders(HTTPHeaders(fields), to: response, isStream: false)
        return response
    }

    /// The headers libmicrohttpd holds for `response`, in its order, as "name: value".
    static func listed(_ response: OpaquePointer) -> [String] {
        final class Box { var lines: [String] = [] }
        let box = Box()
        _ = MHD_get_response_headers(
            response,
            { cls, _, key, value in
                let box = Unmanaged<Box>.fromOpaque(cls!).takeUnretainedValue()
                box.lines.append("\(String(cString: key!)): \(String(cString: value!))")
                return .YES
            }, Unmanaged.passUnretained(box).toOpaque())
        return box.lines
    }
}
