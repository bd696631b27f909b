#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The opaque paging token every list endpoint hands out: unpadded base64url of `offset:N`. Clients only echo it.
public enum PageCursor {
    public static func encode(_ offset: Int) -> String {
        Data("offset:\(offset)".utf8).base64EncodedString()
            .replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }

    /// The offset in a token this server issued, if it is at least `minimum`; nil for anything else.
    public static func decode(_ token: String, minimum: Int = 0) -> Int? {
        var text = token.replacing("-", with: "+").replacing("_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let plain = String(data: data, encoding: .utf8),
            plain.hasPrefix("offset:"), let value = Int(plain.dropFirst("offset:".count)), value >= minimum
        else { return nil }
        return value
    }
}
