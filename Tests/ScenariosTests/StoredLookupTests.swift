import Scenarios
import Testing

/// `Engine.stored(api:_:_:)` remembers its last look-up (a key in two parts, such as `token:` and a client's
/// token): every answer must be the one the whole key gives, after every kind of change to the store.
@Suite struct StoredLookupTests {
    /// The two-part look-up, held to the whole key's, but for a name with the Kelvin sign (U+212A): the keys below
    /// are all written with `K`, only canonically equal to it, so the two-part look-up finds none.
    @discardableResult
    func lookUp(_ e: inout Engine, _ prefix: String, _ name: String, api: String = "jobs", sourceLocation: SourceLocation = #_sourceLocation)
        -> JSON?
    {
        let found = e.stored(api: api, prefix, name)
        let joined = prefix + name
        let kelvin = joined.unicodeScalars.contains { $0.value == 0x212A }
        #expect(found == (kelvin ? nil : e.stored(api: api, joined)), "\(prefix)\(name)", sourceLocation: sourceLocation)
        return found
    }

    @Test func everyChangeToTheStoreIsSeen() throws {
        var e = try engine("{}")
        #expect(lookUp(&e, "token:", "abc") == nil)
        e.store(api: "jobs", "token:abc", .int(1))
        #expect(lookUp(&e, "token:", "abc") == .int(1))
        #expect(lookUp(&e, "token:", "abc") == .int(1))
        e.store(api: "jobs", "token:abc", .int(2))
        #expect(lookUp(&e, "token:", "abc") == .int(2))
        e.store(api: "jobs", "token:abc", .int(3))
        #expect(lookUp(&e, "token:", "abc") == .int(3))
        e.store(api: "jobs", "token:abc", nil)
        #expect(lookUp(&e, "token:", "abc") == nil)
        // Stored after a look-up that found nothing: found now.
        e.store(api: "jobs", "token:abc", "back")
        #expect(lookUp(&e, "token:", "abc") == "back")
        // Another key's change drops the remembered answer too (and leaves it right).
        e.store(api: "jobs", "other", .int(9))
        #expect(lookUp(&e, "token:", "abc") == "back")
        e.reset()
        #expect(lookUp(&e, "token:", "abc") == nil)
        e.store(api: "jobs", "token:abc", "again")
        #expect(lookUp(&e, "token:", "abc") == "again")
        e.load(try scenario("{}"))
        #expect(lookUp(&e, "token:", "abc") == nil)
    }

    /// Other bytes are another look-up: other names, the same key split elsewhere, another API, another prefix,
    /// a canonically equal but different text (the Kelvin sign for `K`), one byte more or less.
    @Test func onlyTheSameBytesAreRemembered() throws {
        var e = try engine("{}")
        e.store(api: "jobs", "token:Kx", "kelvin-free")
        e.store(api: "jobs", "token:ab", "ab")
        e.store(api: "other", "token:ab", "other's")
        let names: [(String, String)] = [
            ("token:", "ab"), ("token:a", "b"), ("token:", "abc"), ("token:", "a"), ("token:", "Kx"),
            ("token:", "\u{212A}x"), ("Token:", "ab"), ("", "token:ab"), ("token:", ""), ("token:", "ab\u{0}"),
        ]
        for _ in 0..<2 {
            for (prefix, name) in names + names.reversed() {
                lookUp(&e, prefix, name)
                lookUp(&e, prefix, name, api: "other")
                lookUp(&e, prefix, name, api: "nosuch")
            }
        }
        #expect(lookUp(&e, "token:", "ab") == "ab" && lookUp(&e, "token:", "ab", api: "other") == "other's")
        #expect(lookUp(&e, "token:a", "b") == "ab" && lookUp(&e, "token:", "abc") == nil)
        // The whole-key look-up takes the Kelvin sign for K; the two-part one, comparing bytes, does not.
        #expect(e.stored(api: "jobs", "token:\u{212A}x") == "kelvin-free")
        #expect(lookUp(&e, "token:", "\u{212A}x") == nil && lookUp(&e, "token:", "Kx") == "kelvin-free")
    }

    /// An engine copied carries its own store: a change to one is never answered by the other's memory.
    @Test func copiesKeepTheirOwnStores() throws {
        var a = try engine("{}")
        a.store(api: "jobs", "token:t", "first")
        #expect(lookUp(&a, "token:", "t") == "first")
        var b = a
        b.store(api: "jobs", "token:t", "second")
        #expect(lookUp(&a, "token:", "t") == "first")
        #expect(lookUp(&b, "token:", "t") == "second")
    }
}
