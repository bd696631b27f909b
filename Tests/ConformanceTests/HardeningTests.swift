import Foundation
import MicroHTTPDHost
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// Hostile input a client controls: hidden NUL bytes, look-alike credentials, ambiguous framing, a browser page
/// aiming at the admin API, forged forwarding headers, oversized values the server would keep.
@Suite struct HardeningTests {
    static let wesRun = "/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621"

    func defaultServer() throws -> TestServer {
        try MockServer.start(MockServer.catalog.defaultScenario())
    }

    /// Each API's status read, written raw, with `header` added (or the path bent by `pathSuffix`).
    static let statusReads: [(api: String, target: String, header: String)] = [
        ("foundry", "/dashboard/run_status?apiKey=k&sourceID=S&status2Match=error&stepName=uuid", "X-Extra: a"),
        ("controller", "/controller/run_status?api_key=k&resourceID=SCR_1", "X-Extra: a"),
        ("wes", wesRun + "/status", "X-SBG-Auth-Token: tok"),
        ("solvexia", "/api/v1/processruns/pr-114278/runstatus", "Authorization: Bearer tok"),
        ("workspace", "/api/v1/workspaces/3fa85f64-5717-4562-b3fc-2c963f66afa6/runs", "X-API-Key: k"),
    ]

    @Test func aRawNULInAHeaderIsRefusedByEveryAPIInItsOwnErrorBody() async throws {
        let server = try defaultServer()
        for read in Self.statusReads {
            let hidden = try await server.sendRaw(
                "GET \(read.target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(read.header)\0junk\r\nConnection: close\r\n\r\n")
            #expect(hidden.text.hasPrefix("HTTP/1.1 400"), "\(read.api): \(hidden.text.prefix(80))")
            #expect(hidden.text.contains("NUL"), "\(read.api)")
            // As the last header too (the block's end bounds the check).
            let last = try await server.sendRaw(
                "GET \(read.target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\(read.header)\0junk\r\n\r\n")
            #expect(last.text.hasPrefix("HTTP/1.1 400"), "\(read.api) (last header): \(last.text.prefix(80))")
            // The same request without the NUL is not refused.
            let clean = try await server.sendRaw(
                "GET \(read.target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(read.header)\r\nConnection: close\r\n\r\n")
            #expect(!clean.text.hasPrefix("HTTP/1.1 400"), "\(read.api): \(clean.text.prefix(80))")
        }
        let wes = try await server.sendRaw(
            "GET \(Self.wesRun)/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: tok\0junk\r\nConnection: close\r\n\r\n")
        #expect(wes.text.hasSuffix(#""status_code":400}"#))
    }

    @Test func aNULInTheRequestTargetNeverMatchesARun() async throws {
        let server = try defaultServer()
        let raw = try await server.sendRaw(
            "GET \(Self.wesRun)\0junk/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: t\r\nConnection: close\r\n\r\n")
        #expect(raw.text.hasPrefix("HTTP/1.1 400"))
        // In WES's own error body, also when the path the NUL cut short is no endpoint but still under WES's prefix.
        #expect(raw.text.contains(#""status_code":400"#), "\(raw.text)")
        let cut = try await server.sendRaw("GET /ga4gh/wes/v1/ru\0ns HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        #expect(cut.text.hasPrefix("HTTP/1.1 400") && cut.text.contains(#""status_code":400"#), "\(cut.text)")
        let escaped = try await server.send("GET", Self.wesRun + "%00junk/status", headers: ["X-SBG-Auth-Token": "t"])
        #expect(escaped.status == 404)
        #expect(!escaped.text.contains("COMPLETE"))
        let plain = try await server.send("GET", Self.wesRun + "/status", headers: ["X-SBG-Auth-Token": "t"])
        #expect(plain.status == 200)
    }

    /// A NUL right before the line end (a C client sending its string's terminator) cut the value, the target or
    /// the method where the line ended anyway, and was let through: a credential with a NUL matched the plain one.
    @Test func aNULAtTheEndOfAValueTheTargetOrTheMethodIsRefusedToo() async throws {
        let server = try MockServer.start(
            json: #"{"apis": {"wes": {"auth": {"credentials": ["wk"]}}, "foundry": {"auth": {"credentials": ["fk"]}}}}"#)
        let status = Self.wesRun + "/status"
        let foundry = "/dashboard/run_status?sourceID=S&status2Match=error&stepName=uuid&apiKey=fk"
        let refused: [(String, String)] = [
            ("header value, CRLF", "GET \(status) HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: wk\0\r\nConnection: close\r\n\r\n"),
            ("last header", "GET \(status) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-SBG-Auth-Token: wk\0\r\n\r\n"),
            ("two NULs", "GET \(status) HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: wk\0\0\r\nConnection: close\r\n\r\n"),
            ("bare LF", "GET \(status) HTTP/1.1\nHost: 127.0.0.1\nX-SBG-Auth-Token: wk\0\nConnection: close\n\n"),
            ("before the value", "GET \(status) HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: \0wk\r\nConnection: close\r\n\r\n"),
            ("path end", "GET \(status)\0 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: wk\r\nConnection: close\r\n\r\n"),
            ("query end", "GET \(foundry)\0 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
            ("method", "GET\0junk \(status) HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: wk\r\nConnection: close\r\n\r\n"),
            // What follows the NUL looks like the version: the version is still elsewhere.
            ("before a fake version", "GET \(status)\0HTTP/junk HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: wk\r\nConnection: close\r\n\r\n"),
            ("query before a fake version", "GET \(foundry)\0HTTP/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
            // A bare LF ending a line of a request whose lines end with LF.
            ("NUL and LF", "GET \(status) HTTP/1.1\nHost: 127.0.0.1\nX-SBG-Auth-Token: wk\0\nConnection: close\n\n"),
        ]
        for (place, request) in refused {
            let answer = try await server.sendRaw(request)
            #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(place): \(answer.text.prefix(80))")
            #expect(answer.text.contains("NUL"), "\(place)")
        }
        // Nothing was admitted: the journal holds no granted credential.
        let journal = try await server.send("GET", "/__mockruns/journal")
        #expect(!journal.text.contains(#""auth":"granted""#), "\(journal.text.prefix(300))")
        // The same requests without the NUL are served, CRLF or bare LF, with blanks ending a value or several
        // between the method and the target.
        let served: [(String, String)] = [
            ("CRLF", "GET \(status) HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: wk\r\nConnection: close\r\n\r\n"),
            ("bare LF", "GET \(status) HTTP/1.1\nHost: 127.0.0.1\nX-SBG-Auth-Token: wk\nConnection: close\n\n"),
            ("blanks", "GET   \(status) HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a b \t\r\nX-SBG-Auth-Token: wk\r\nConnection: close\r\n\r\n"),
            ("no headers", "GET \(status) HTTP/1.0\r\n\r\n"),
            ("query", "GET \(foundry) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
        ]
        for (place, request) in served {
            let answer = try await server.sendRaw(request)
            #expect(!answer.text.hasPrefix("HTTP/1.1 400") && !answer.text.hasPrefix("HTTP/1.0 400"), "\(place): \(answer.text.prefix(120))")
        }
        let granted = try await server.send("GET", "/__mockruns/journal")
        #expect(granted.text.contains(#""auth":"granted""#))
    }

    /// A blank before a header's colon stayed in its name (`Content-Length : N` was no length to libmicrohttpd,
    /// and the body was served as a second request), and a blank starting the first header line stayed in that
    /// name: RFC 9112 asks for a 400 for both.
    @Test func aHeaderNameThatIsNoTokenIsRefused() async throws {
        let server = try defaultServer()
        let smuggled = "GET /controller/run_status?api_key=k&resourceID=SMUGGLED HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        for separator in [" :", "\t:"] {
            let answer = try await server.sendRaw(
                "POST /controller/run?api_key=k&resourceID=SCR_017041 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length\(separator) \(smuggled.utf8.count)\r\n\r\n" + smuggled)
            #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text.prefix(80))")
            #expect(answer.text.contains("header name"), "\(answer.text)")
            #expect(answer.text.components(separatedBy: "HTTP/1.1 ").count == 2, "one answer only: \(answer.text)")
        }
        let journal = try await server.send("GET", "/__mockruns/journal")
        #expect(!journal.text.contains("SMUGGLED"))
        let first = try await server.sendRaw(
            "GET \(Self.wesRun)/status HTTP/1.1\r\n X-SBG-Auth-Token: t\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        #expect(first.text.hasPrefix("HTTP/1.1 400") && first.text.contains("starts with a space or a tab"), "\(first.text)")
    }

    /// A request whose line ended with a bare LF and whose headers end with CRLF leaves the bytes a NUL before a
    /// bare LF would: refused, saying both.
    @Test func lineEndsThatMixLFAndCRLFAreRefusedSayingSo() async throws {
        let server = try defaultServer()
        let mixed = try await server.sendRaw("GET \(Self.wesRun)/status HTTP/1.1\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: t\r\nConnection: close\r\n\r\n")
        #expect(mixed.text.hasPrefix("HTTP/1.1 400") && mixed.text.contains("mix bare LF and CRLF"), "\(mixed.text)")
        // CRLF throughout, or LF throughout, is served.
        for end in ["\r\n", "\n"] {
            let plain = try await server.sendRaw("GET \(Self.wesRun)/status HTTP/1.1\(end)Host: 127.0.0.1\(end)X-SBG-Auth-Token: t\(end)Connection: close\(end)\(end)")
            #expect(plain.text.hasPrefix("HTTP/1.1 200"), "\(plain.text.prefix(80))")
        }
    }

    @Test func aFoldedHeaderLineIsRefusedSayingSo() async throws {
        let server = try defaultServer()
        let answer = try await server.sendRaw(
            "GET \(Self.wesRun)/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: t\r\nX-Note: a\r\n b\r\nConnection: close\r\n\r\n")
        #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text.prefix(80))")
        #expect(answer.text.contains("folded header line"), "\(answer.text)")
        #expect(!answer.text.contains("NUL"))
    }

    @Test func aPercentEncodedNULInACredentialOrANameNeverMatches() async throws {
        let server = try MockServer.start(json: #"{"apis": {"foundry": {"auth": {"credentials": ["key"]}}}}"#)
        let query = "sourceID=S&status2Match=error&stepName=uuid"
        let good = try await server.send("GET", "/dashboard/run_status?apiKey=key&" + query)
        #expect(good.status == 404)  // authorised; no run yet
        let cut = try await server.send("GET", "/dashboard/run_status?apiKey=key%00junk&" + query)
        #expect(cut.status == 403)
        let load = try await server.send("POST", "/__mockruns/scenario?name=foundry-happy%00.x")
        #expect(load.status == 404)
        #expect(try await server.send("GET", "/__mockruns/scenario").jsonObject?["scenario"] as? String == "inline")
    }

    @Test func credentialsCompareAsBytesNotAsUnicodeLookAlikes() async throws {
        // "clé" written precomposed in the file; the client sends e + combining acute accent.
        let server = try MockServer.start(json: #"{"apis": {"wes": {"auth": {"credentials": ["cl\u00e9"]}}}}"#)
        // The run does not exist in this scenario: an accepted credential gets 404, a refused one 401.
        let same = try await server.send("GET", Self.wesRun + "/status", headers: ["X-SBG-Auth-Token": "cl\u{e9}"])
        #expect(same.status == 404)
        let lookAlike = try await server.send("GET", Self.wesRun + "/status", headers: ["X-SBG-Auth-Token": "cle\u{301}"])
        #expect(lookAlike.status == 401)
    }

    @Test func conflictingContentLengthsAreRefused() async throws {
        let server = try defaultServer()
        let two = try await server.sendRaw(
            "POST /dashboard/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 3\r\nContent-Length: 40\r\nConnection: close\r\n\r\napi")
        #expect(two.text.hasPrefix("HTTP/1.1 400"))
        #expect(two.text.contains("conflicting Content-Length"))
        #expect(two.text.contains("Content-Type: text/plain"))  // Foundry's own error body
        let both = try await server.sendRaw(
            "POST /ga4gh/wes/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n")
        #expect(both.text.hasPrefix("HTTP/1.1 400"))
        #expect(both.text.contains(#""status_code":400"#))
    }

    /// libmicrohttpd reads a body of any other coding than one `chunked` as ending with the connection: the
    /// client waited, answerless, until the request timeout. Now a 501 at once, in the API's error body.
    @Test func aTransferCodingOtherThanChunkedIsRefused() async throws {
        let server = try defaultServer()
        let head = "POST /ga4gh/wes/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SBG-Auth-Token: t\r\n"
        for codings in [["gzip"], ["identity"], ["gzip, chunked"], ["chunked", "chunked"], ["chunked "]] {
            let lines = codings.map { "Transfer-Encoding: \($0)\r\n" }.joined()
            // (An answer at all is the point: the client used to wait, answerless, for the request timeout.)
            let answer = try await server.sendRaw(head + lines + "Connection: close\r\n\r\n0\r\n\r\n")
            #expect(answer.text.hasPrefix("HTTP/1.1 501"), "\(codings): \(answer.text.prefix(80))")
            #expect(answer.text.contains("chunked alone"), "\(codings)")
            #expect(answer.text.contains(#""status_code":501"#), "\(codings)")  // WES's own error body
        }
        // One `chunked`, in any case, is read.
        let chunked = try await server.sendRaw(
            head + "Transfer-Encoding: Chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
        #expect(!chunked.text.hasPrefix("HTTP/1.1 501"), "\(chunked.text.prefix(80))")
        #expect(chunked.text.hasPrefix("HTTP/1.1 4"), "\(chunked.text.prefix(80))")  // read, and judged by WES
    }

    @Test func everyAnswerSaysNosniff() async throws {
        let mock = try MockServer(MockServer.catalog.defaultScenario())
        let small = try TestServer(responder: mock.app, configuration: HTTPServer.Configuration(maxBodyBytes: 16))
        let answers = [
            try await small.send("GET", Self.wesRun + "/status", headers: ["X-SBG-Auth-Token": "t"]),
            try await small.send("GET", "/no/such/route"),
            try await small.send("GET", "/__mockruns/health"),
            try await small.send("POST", "/ga4gh/wes/v1/runs", body: Array(repeating: UInt8(ascii: "x"), count: 100)),
        ]
        #expect(answers.map(\.status) == [200, 404, 200, 413])
        for answer in answers { #expect(answer.headers["X-Content-Type-Options"] == "nosniff") }
    }

    // MARK: admin API

    @Test func aBrowserPageCannotSteerTheAdminAPI() async throws {
        let server = try defaultServer()
        // The simple cross-origin request a page can send without a preflight.
        let forged = try await server.send(
            "POST", "/__mockruns/reset", headers: ["Origin": "http://evil.example", "Content-Type": "text/plain"], body: "x")
        #expect(forged.status == 403)
        #expect((forged.jsonObject?["error"] as? String)?.contains("--admin-cors") == true)
        // DNS rebinding: the page's own name in Host.
        let rebound = try await server.send("POST", "/__mockruns/reset", headers: ["Host": "evil.example:80"])
        #expect(rebound.status == 403)
        // Bodies must be JSON.
        let text = try await server.send("PUT", "/__mockruns/scenario", headers: ["Content-Type": "text/plain"], body: "{}")
        #expect(text.status == 415)
        // The server's own origin, and plain tools, are fine.
        let own = try await server.send("POST", "/__mockruns/reset", headers: ["Origin": server.url])
        #expect(own.status == 200)
        #expect(try await server.send("POST", "/__mockruns/reset").status == 200)
    }

    @Test func adminTokenAndAllowedOrigins() async throws {
        let options = ServerOptions(adminToken: "s3cret", adminOrigins: ["http://localhost:3000"])
        let app = MockRunsApp(scenario: MockServer.catalog.defaultScenario(), catalog: MockServer.catalog, time: ManualTimeSource(), options: options)
        let server = try TestServer(responder: app)
        let none = try await server.send("GET", "/__mockruns/runs")
        #expect(none.status == 401)
        #expect(none.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
        #expect(try await server.send("GET", "/__mockruns/runs", headers: ["Authorization": "Bearer s3cre"]).status == 401)
        #expect(try await server.send("GET", "/__mockruns/runs", headers: ["Authorization": "Bearer s3cret"]).status == 200)
        let preflight = try await server.send(
            "OPTIONS", "/__mockruns/reset", headers: ["Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"])
        #expect(preflight.status == 204)
        #expect(preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:3000")
        let allowed = try await server.send(
            "POST", "/__mockruns/reset", headers: ["Origin": "http://localhost:3000", "Authorization": "Bearer s3cret"])
        #expect(allowed.status == 200)
        #expect(allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000")
        // The faked APIs themselves need no admin token.
        #expect(try await server.send("GET", "/ga4gh/wes/v1/service-info", headers: ["X-SBG-Auth-Token": "t"]).status == 200)
    }

    // MARK: URLs in answers

    @Test func wesLogURLsFollowTheProxyOrThePublicURL() async throws {
        let server = try defaultServer()
        let proxied = try await server.send(
            "GET", Self.wesRun,
            headers: ["X-SBG-Auth-Token": "t", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "mock.example:8443"])
        let stdout = (proxied.jsonObject?["run_log"] as? [String: Any])?["stdout"] as? String
        #expect(stdout?.hasPrefix("https://mock.example:8443/ga4gh/wes/v1/runs/") == true, "\(stdout ?? "nil")")
        // A forged host that could break out of the URL is ignored.
        let forged = try await server.send(
            "GET", Self.wesRun, headers: ["X-SBG-Auth-Token": "t", "X-Forwarded-Host": "a\"b/c"])
        let plain = (forged.jsonObject?["run_log"] as? [String: Any])?["stdout"] as? String
        #expect(plain?.hasPrefix(server.url + "/ga4gh/wes/v1/runs/") == true, "\(plain ?? "nil")")

        let app = MockRunsApp(
            scenario: MockServer.catalog.defaultScenario(), catalog: MockServer.catalog, time: ManualTimeSource(),
            options: ServerOptions(publicURL: "https://public.example/"))
        let fixed = try TestServer(responder: app)
        let log = try await fixed.send("GET", Self.wesRun, headers: ["X-SBG-Auth-Token": "t"])
        let url = (log.jsonObject?["run_log"] as? [String: Any])?["stdout"] as? String
        #expect(url?.hasPrefix("https://public.example/ga4gh/wes/v1/runs/") == true, "\(url ?? "nil")")
    }

    // MARK: bounded values

    @Test func aBodyOfManyTinyValuesIsRefusedBeforeItHoldsTheServer() async throws {
        let server = try defaultServer()
        let members = (0..<20_000).map { "\"k\($0)\":1" }.joined(separator: ",")
        let json = try await server.send(
            "POST", "/dashboard/run", headers: ["Content-Type": "application/json"], body: "{" + members + "}")
        #expect(json.status == 400)
        #expect(json.text.contains("more than 10000 values"), "\(json.text)")
        let fields = (0..<20_000).map { "f\($0)=1" }.joined(separator: "&")
        let form = try await server.send(
            "POST", "/dashboard/run", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: fields)
        #expect(form.status == 400)
        #expect(form.text.contains("more than 10000 form fields"), "\(form.text)")
        var multipart = ""
        for i in 0..<10_001 { multipart += "--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"f\(i)\"\r\n\r\n1\r\n" }
        multipart += "--XBOUNDARYX--\r\n"
        let parts = try await server.send(
            "POST", "/ga4gh/wes/v1/runs",
            headers: ["Content-Type": "multipart/form-data; boundary=XBOUNDARYX", "X-SBG-Auth-Token": "t"], body: multipart)
        #expect(parts.status == 400)
        #expect(parts.text.contains("more than 10000 form fields"), "\(parts.text.prefix(200))")
        // A body just under the limit is read as usual.
        let fine = try await server.send(
            "POST", "/dashboard/run", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "apiKey=k&sourceID=S&status2Match=error&stepName=uuid&" + (0..<9_000).map { "f\($0)=1" }.joined(separator: "&"))
        #expect(fine.status == 200)
    }

    /// A journal entry keeps a bounded part of what the client sent: one request with a 12 KB header was kept whole
    /// in each of 10,000 entries (15.6 KB an entry with a long run id, query and User-Agent).
    @Test func aJournalEntryKeepsABoundedPartOfTheRequest() async throws {
        let server = try defaultServer()
        let big = String(repeating: "b", count: 12_000)
        _ = try await server.sendRaw("GET \(Self.wesRun)/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(big)\r\nConnection: close\r\n\r\n")
        let many = (0..<40).map { "X-H\($0): v\r\n" }.joined()
        _ = try await server.sendRaw("GET \(Self.wesRun)/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\(many)Connection: close\r\n\r\n")
        let id = String(repeating: "r", count: 9_000)
        let query = "q=" + String(repeating: "q", count: 3_000)
        _ = try await server.sendRaw("GET /ga4gh/wes/v1/runs/\(id)/status?\(query) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let journal = try await server.send("GET", "/__mockruns/journal")
        let entries = try #require(journal.jsonObject?["requests"] as? [[String: Any]])
        #expect(entries.count == 3)
        for entry in entries {
            let lists = [entry["headers"], entry["query"]].compactMap { $0 as? [[String]] }
            for list in lists {
                #expect(list.count <= 32, "\(list.count) fields kept")
                for pair in list {
                    #expect(pair[0].utf8.count <= 64 + 3 && pair[1].utf8.count <= 256 + 3, "\(pair[0].prefix(20)): \(pair[1].utf8.count) bytes")
                }
            }
            #expect(((entry["run"] as? String)?.utf8.count ?? 0) <= 256 + 3)
            let bytes = try JSONSerialization.data(withJSONObject: entry).count
            #expect(bytes < 12_000, "an entry of \(bytes) bytes")
        }
        // What was cut says so; a short value is kept as it came.
        let first = try #require(entries.first?["headers"] as? [[String]])
        #expect(first.contains { $0[0] == "X-Big" && $0[1].hasSuffix("…") && $0[1].hasPrefix("bbbb") })
        #expect(first.contains { $0 == ["Connection", "close"] })
        #expect((entries[1]["headers"] as? [[String]])?.count == 32)
    }

    @Test func oauthValuesTheServerWouldKeepAreBounded() async throws {
        let server = try defaultServer()
        let form: KeyValuePairs<String, String> = ["Content-Type": "application/x-www-form-urlencoded"]
        let hugeScope = "grant_type=client_credentials&client_id=a&client_secret=b&scope=" + String(repeating: "s", count: 1_000_000)
        let refused = try await server.send("POST", "/oauth/token", headers: form, body: hugeScope)
        #expect(refused.status == 400)
        #expect(refused.jsonObject?["error"] as? String == "invalid_scope")
        let fine = try await server.send("POST", "/oauth/token", headers: form, body: "grant_type=client_credentials&client_id=a&client_secret=b&scope=read")
        #expect(fine.status == 200)
    }
}
