import ArgumentParser
import Testing

@testable import MockRunsCLI

/// The serve form's quick parser must read every command line exactly as ArgumentParser does, and leave to it
/// every line it cannot read the same way.
@Suite struct QuickServeParserTests {
    /// `Serve` hands every option it declares over to `ServeSettings`, by the same name: an option added to one
    /// and not the other fails here.
    @Test func everyOptionOfServeIsASetting() {
        let declared = Mirror(reflecting: Serve()).children.compactMap { $0.label.map { String($0.drop { $0 == "_" }) } }
        let settings = Mirror(reflecting: ServeSettings()).children.compactMap(\.label)
        #expect(declared == settings)
        #expect(declared.count == ServeSettings.quickOptions.count)
    }

    @Test func itKnowsEveryOptionServeHas() {
        let help = Serve.helpMessage(columns: 10_000)
        var documented = Set<String>()
        for word in help.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," || $0 == "[" || $0 == "]" })
        where word.hasPrefix("--") {
            let name = word.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" }
            if !name.isEmpty, name != "help", name != "version" { documented.insert(String(name)) }
        }
        #expect(Set(ServeSettings.quickOptions.map(\.name)) == documented)
    }

    @Test(arguments: [
        [],
        ["--port", "0"],
        ["--port=0", "--log-level", "warning"],
        ["--scenario", "wes-happy", "--host", "127.0.0.1", "--port", "9000", "--port-file", "/tmp/p"],
        ["--max-body-bytes", "2048", "--time-scale", "2.5", "--request-timeout", "0.5", "--threads", "4"],
        ["--max-header-bytes", "32768"], ["--max-header-bytes=4096"],
        ["--admin-token", "t0k", "--admin-cors", "http://a.test", "--admin-cors", "*", "--cors", "http://b.test:3000"],
        ["--strict", "--report", "r.xml", "--public-url", "https://mock.test"],
        ["--scenario", "./x.json", "--watch"],
        ["--tls-self-signed", "--port", "0", "--port", "7"],
        ["--tls-cert", "c.pem", "--tls-key", "k.pem", "--host", "::1"],
        ["--max-sessions", "5", "--session-ttl", "30"],
        ["--max-sessions=0", "--session-ttl=0.5"],
    ])
    func readsWhatArgumentParserReads(arguments: [String]) throws {
        let quick = try #require(ServeSettings.parseQuickly(arguments), "left to ArgumentParser: \(arguments)")
        let parsed = try Serve.parse(arguments)
        #expect(quick == parsed.settings)
    }

    @Test(arguments: [
        ["--bogus"], ["-h"], ["--help"], ["--port"], ["--port", "nope"], ["--port", "70000"], ["--log-level", "loud"],
        ["--strict=yes"], ["stray"], ["--threads", "0"], ["--time-scale", "-1"], ["--watch"], ["--cors", "not an origin"],
        ["--tls-cert", "c.pem"], ["--port", "--strict"], ["--scenario="],
        ["--max-sessions", "100001"], ["--session-ttl", "0"], ["--session-ttl", "nan"],
        ["--max-header-bytes", "4095"], ["--max-header-bytes", "1048577"], ["--max-header-bytes", "8k"],
    ])
    func leavesEverythingElseToArgumentParser(arguments: [String]) {
        #expect(ServeSettings.parseQuickly(arguments) == nil)
    }
}

/// The fast path's list of subcommand names is written out (start-up builds no command tree): it must be the
/// command's own list, or a new subcommand would be parsed as options of serve.
@Test func theFastPathKnowsEverySubcommand() {
    let names = MockRunsCommand.configuration.subcommands.map { $0._commandName } + ["help"]
    #expect(MockRunsCommand.subcommandNames.sorted() == names.sorted())
}
