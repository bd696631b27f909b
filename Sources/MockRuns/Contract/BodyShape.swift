import Scenarios

/// What `mockruns contract` asks of a schema: the problems of one JSON value, each at its JSON path. A narrow
/// seam so the shapes below can give way to the OpenAPI export's schema model without touching the checks.
public protocol BodySchema: Sendable {
    func problems(in value: JSON, at path: String) -> [ShapeProblem]
}

/// One way a body differs from its schema: where (`$.runs[0].state`) and what is wrong there
/// (`is "DONE"; expected one of QUEUED, ...`).
public struct ShapeProblem: Sendable, Equatable {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}

/// The shape of a documented JSON body, as each fake's answers have it. Just enough schema for contract checks:
/// types, required members, enumerations, nullability.
public indirect enum BodyShape: BodySchema {
    case any
    case string(oneOf: [String]? = nil)
    case integer
    case number
    case boolean
    case null
    case nullable(BodyShape)
    case array(BodyShape)
    /// An object with these members; others are allowed (a newer server may add some).
    case object([Member])
    /// An object whose every member has this shape (a map of names to values).
    case map(BodyShape)

    public struct Member: Sendable {
        public var name: String
        public var shape: BodyShape
        public var required: Bool

        public init(_ name: String, _ shape: BodyShape, required: Bool = true) {
            self.name = name
            self.shape = shape
            self.required = required
        }
    }

    /// The same object with more members.
    public func adding(_ more: [Member]) -> BodyShape {
        guard case .object(let members) = self else { return self }
        return .object(members + more)
    }

    public func problems(in value: JSON, at path: String = "$") -> [ShapeProblem] {
        var out: [ShapeProblem] = []
        collect(value, path, &out)
        return out
    }

    private func collect(_ value: JSON, _ path: String, _ out: inout [ShapeProblem]) {
        // Bounded: a hostile server's huge body gets its first problems, not one per element.
        guard out.count < 20 else { return }
        func wrong(_ expected: String) {
            out.append(ShapeProblem(path: path, message: "is \(Self.describe(value)); expected \(expected)"))
        }
        switch (self, value) {
        case (.any, _), (.integer, .int), (.number, .int), (.number, .double), (.boolean, .bool), (.null, .null):
            return
        case (.nullable, .null):
            return
        case (.nullable(let inner), _):
            inner.collect(value, path, &out)
        case (.string(let allowed), .string(let text)):
            if let allowed, !allowed.contains(text) { wrong("one of " + allowed.joined(separator: ", ")) }
        case (.array(let element), .array(let items)):
            for (index, item) in items.enumerated() {
                element.collect(item, "\(path)[\(index)]", &out)
                if out.count >= 20 { return }
            }
        case (.object(let members), .object(let pairs)):
            var present: [String: JSON] = [:]
            for (key, item) in pairs where present[key] == nil { present[key] = item }
            for member in members {
                if let item = present[member.name] {
                    member.shape.collect(item, Self.child(path, member.name), &out)
                } else if member.required {
                    out.append(ShapeProblem(path: Self.child(path, member.name), message: "is missing; expected \(member.shape.summary)"))
                }
            }
        case (.map(let element), .object(let pairs)):
            for (key, item) in pairs {
                element.collect(item, Self.child(path, key), &out)
                if out.count >= 20 { return }
            }
        default:
            wrong(summary)
        }
    }

    /// A short name of the shape, for "expected ...".
    public var summary: String {
        switch self {
        case .any: "any value"
        case .string(let allowed): allowed.map { "one of " + $0.joined(separator: ", ") } ?? "a string"
        case .integer: "an integer"
        case .number: "a number"
        case .boolean: "true or false"
        case .null: "null"
        case .nullable(let inner): inner.summary + " or null"
        case .array: "an array"
        case .object(let members): "an object with " + members.filter(\.required).map(\.name).joined(separator: ", ")
        case .map: "an object"
        }
    }

    static func child(_ path: String, _ name: String) -> String {
        let plain = !name.isEmpty && name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
        return plain ? "\(path).\(name)" : "\(path)[\(JSON.string(name).serialized())]"
    }

    /// A value as evidence: its kind and, trimmed, the value itself.
    static func describe(_ value: JSON) -> String {
        let text = value.serialized()
        let trimmed = text.count > 60 ? String(text.prefix(60)) + "…" : text
        switch value {
        case .object, .array: return "\(value.kindName) \(trimmed)"
        default: return trimmed
        }
    }
}
