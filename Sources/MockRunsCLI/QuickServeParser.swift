import ArgumentParser
import MockRuns

extension Serve {
    /// The defaults of the options that have one besides nil, empty and off: the declarations above and the
    /// quick parser below both read them, so they cannot drift apart.
    enum Defaults {
        static let host = "localhost"
        static let port = 8080
        static let logLevel = LogLevel.info
        static let maxBodyBytes = 1_048_576
        static let requestTimeout = 10.0
        static let threads = 1
        static let maxSessions = ServerOptions.defaultMaxSessions
    }

    /// One option of the serve form as the quick parser knows it: its name, whether it takes a value, how to put
    /// its default in place and how to set it from the command line (false: a value it does not take).
    struct QuickOption {
        let name: String
        let takesValue: Bool
        let reset: (inout Serve) -> Void
        let set: (inout Serve, String) -> Bool

        static func value(_ name: String, _ reset: @escaping (inout Serve) -> Void, _ set: @escaping (inout Serve, String) -> Bool) -> QuickOption {
            QuickOption(name: name, takesValue: true, reset: reset, set: set)
        }

        // Each default is put in place by a plain assignment (`reset`): ArgumentParser's property wrappers trap when
        // read before they hold a value, and a key-path write reads first. Once reset, key paths are safe.
        static func flag(_ name: String, _ reset: @escaping (inout Serve) -> Void, _ path: WritableKeyPath<Serve, Bool>) -> QuickOption {
            QuickOption(name: name, takesValue: false, reset: reset, set: { serve, _ in
                serve[keyPath: path] = true
                return true
            })
        }

        static func text(_ name: String, _ reset: @escaping (inout Serve) -> Void, _ path: WritableKeyPath<Serve, String?>) -> QuickOption {
            .value(name, reset) { serve, text in
                serve[keyPath: path] = text
                return true
            }
        }

        static func list(_ name: String, _ reset: @escaping (inout Serve) -> Void, _ path: WritableKeyPath<Serve, [String]>) -> QuickOption {
            .value(name, reset) { serve, text in
                serve[keyPath: path].append(text)
                return true
            }
        }

        static func number<T: LosslessStringConvertible>(
            _ name: String, _ reset: @escaping (inout Serve) -> Void, _ path: WritableKeyPath<Serve, T>
        ) -> QuickOption {
            .value(name, reset) { serve, text in
                guard let number = T(text) else { return false }
                serve[keyPath: path] = number
                return true
            }
        }

        static func optionalNumber(
            _ name: String, _ reset: @escaping (inout Serve) -> Void, _ path: WritableKeyPath<Serve, Double?>
        ) -> QuickOption {
            .value(name, reset) { serve, text in
                guard let number = Double(text) else { return false }
                serve[keyPath: path] = number
                return true
            }
        }
    }

    /// Every option of `Serve` (a test checks this list against `mockruns --help`).
    static var quickOptions: [QuickOption] {
        [
            .text("scenario", { $0.scenario = nil }, \.scenario),
            .value("host", { $0.host = Defaults.host }) { serve, text in
                serve.host = text
                return true
            },
            .number("port", { $0.port = Defaults.port }, \.port),
            .text("port-file", { $0.portFile = nil }, \.portFile),
            .value("log-level", { $0.logLevel = Defaults.logLevel }) { serve, text in
                guard let level = LogLevel(rawValue: text) else { return false }
                serve.logLevel = level
                return true
            },
            .number("max-body-bytes", { $0.maxBodyBytes = Defaults.maxBodyBytes }, \.maxBodyBytes),
            .optionalNumber("time-scale", { $0.timeScale = nil }, \.timeScale),
            .number("request-timeout", { $0.requestTimeout = Defaults.requestTimeout }, \.requestTimeout),
            .text("admin-token", { $0.adminToken = nil }, \.adminToken),
            .list("admin-cors", { $0.adminCors = [] }, \.adminCors),
            .list("cors", { $0.cors = [] }, \.cors),
            .flag("strict", { $0.strict = false }, \.strict),
            .text("report", { $0.report = nil }, \.report),
            .text("public-url", { $0.publicURL = nil }, \.publicURL),
            .flag("watch", { $0.watch = false }, \.watch),
            .text("tls-cert", { $0.tlsCert = nil }, \.tlsCert),
            .text("tls-key", { $0.tlsKey = nil }, \.tlsKey),
            .flag("tls-self-signed", { $0.tlsSelfSigned = false }, \.tlsSelfSigned),
            .number("threads", { $0.threads = Defaults.threads }, \.threads),
            .number("max-sessions", { $0.maxSessions = Defaults.maxSessions }, \.maxSessions),
            .optionalNumber("session-ttl", { $0.sessionTtl = nil }, \.sessionTtl),
        ]
    }

    /// The serve form parsed without ArgumentParser: `--name value`, `--name=value` and flags of `quickOptions`,
    /// then `validate()`. ArgumentParser reads a command's options by reflection, which was half of the
    /// start-up CI fixtures pay on every start. Anything else — a short or unknown option, a value an option
    /// does not take, a missing value, a failed validation — returns nil, and ArgumentParser parses the whole
    /// line again, so every message and exit code stays its own.
    static func parseQuickly(_ arguments: [String]) -> Serve? {
        let options = quickOptions
        var serve = Serve()
        for option in options { option.reset(&serve) }
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
                guard let value, option.set(&serve, value) else { return nil }
            } else {
                guard value == nil, option.set(&serve, "") else { return nil }
            }
            index += 1
        }
        do {
            try serve.validate()
        } catch {
            return nil
        }
        return serve
    }
}
