import ArgumentParser
import MicroHTTPDHost
import MockRuns

extension Serve {
    /// The defaults of the options that have one besides nil, empty and off: `Serve`'s declarations (what
    /// ArgumentParser fills in and prints) and `ServeSettings`' (what the quick parser starts from) both read them,
    /// so they cannot drift apart.
    enum Defaults {
        static let host = "localhost"
        static let port = 8080
        static let logLevel = LogLevel.info
        static let maxBodyBytes = 1_048_576
        static let maxHeaderBytes = HTTPServer.defaultHeaderMemoryBytes
        static let requestTimeout = 10.0
        static let threads = 1
        static let maxSessions = ServerOptions.defaultMaxSessions
    }
}

extension ServeSettings {
    /// One option of the serve form as the quick parser knows it: its name, whether it takes a value, and how to
    /// set it from the command line (false: a value it does not take). Defaults are the settings' own.
    struct QuickOption {
        let name: String
        let takesValue: Bool
        let set: (inout ServeSettings, String) -> Bool

        static func value(_ name: String, _ set: @escaping (inout ServeSettings, String) -> Bool) -> QuickOption {
            QuickOption(name: name, takesValue: true, set: set)
        }

        static func flag(_ name: String, _ path: WritableKeyPath<ServeSettings, Bool>) -> QuickOption {
            QuickOption(name: name, takesValue: false, set: { settings, _ in
                settings[keyPath: path] = true
                return true
            })
        }

        static func text(_ name: String, _ path: WritableKeyPath<ServeSettings, String?>) -> QuickOption {
            .value(name) { settings, text in
                settings[keyPath: path] = text
                return true
            }
        }

        static func list(_ name: String, _ path: WritableKeyPath<ServeSettings, [String]>) -> QuickOption {
            .value(name) { settings, text in
                settings[keyPath: path].append(text)
                return true
            }
        }

        static func number<T: LosslessStringConvertible>(_ name: String, _ path: WritableKeyPath<ServeSettings, T>) -> QuickOption {
            .value(name) { settings, text in
                guard let number = T(text) else { return false }
                settings[keyPath: path] = number
                return true
            }
        }

        static func optionalNumber(_ name: String, _ path: WritableKeyPath<ServeSettings, Double?>) -> QuickOption {
            .value(name) { settings, text in
                guard let number = Double(text) else { return false }
                settings[keyPath: path] = number
                return true
            }
        }
    }

    /// Every option of `Serve` (a test checks this list against `mockruns --help`).
    static var quickOptions: [QuickOption] {
        [
            .text("scenario", \.scenario),
            .value("host") { settings, text in
                settings.host = text
                return true
            },
            .number("port", \.port),
            .text("port-file", \.portFile),
            .value("log-level") { settings, text in
                guard let level = LogLevel(rawValue: text) else { return false }
                settings.logLevel = level
                return true
            },
            .number("max-body-bytes", \.maxBodyBytes),
            .number("max-header-bytes", \.maxHeaderBytes),
            .optionalNumber("time-scale", \.timeScale),
            .number("request-timeout", \.requestTimeout),
            .text("admin-token", \.adminToken),
            .list("admin-cors", \.adminCors),
            .list("cors", \.cors),
            .flag("strict", \.strict),
            .text("report", \.report),
            .text("public-url", \.publicURL),
            .flag("watch", \.watch),
            .text("tls-cert", \.tlsCert),
            .text("tls-key", \.tlsKey),
            .flag("tls-self-signed", \.tlsSelfSigned),
            .number("threads", \.threads),
            .number("max-sessions", \.maxSessions),
            .optionalNumber("session-ttl", \.sessionTtl),
        ]
    }

    /// The serve form parsed without ArgumentParser: `--name value`, `--name=value` and flags of `quickOptions`,
    /// then `validate()`. ArgumentParser reads a command's options by reflection, and builds each option's
    /// names when `Serve` is made: most of the start-up CI fixtures paid on every start. Anything else — a short
    /// or unknown option, a value an option does not take, a missing value, a failed validation — returns nil,
    /// and ArgumentParser parses the whole line again, so every message and exit code stays its own.
    static func parseQuickly(_ arguments: [String]) -> ServeSettings? {
        let options = quickOptions
        var settings = ServeSettings()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else { return nil }
            var name = Substring(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = name[..<equals]
                if value?.isEmpty == true { return nil }  // ArgumentParser: a missing value
            }
            guard let option = options.first(where: { $0.name == name }) else { return nil }
            if option.takesValue {
                if value == nil {
                    index += 1
                    // A value that looks like an option is ArgumentParser's to judge.
                    guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
                    value = arguments[index]
                }
                guard let value, option.set(&settings, value) else { return nil }
            } else {
                guard value == nil, option.set(&settings, "") else { return nil }
            }
            index += 1
        }
        do {
            try settings.validate()
        } catch {
            return nil
        }
        return settings
    }
}
