import Scenarios

/// The JSON Schema subset the fakes' contracts use (type, enum, required, properties, additionalProperties,
/// items, null through type lists, oneOf, a loose format), as one value that renders into an OpenAPI 3.1 document
/// AND validates a JSON value. One model for both, so a contract check can never test against a schema other
/// than the one the document publishes.
public struct JSONSchema: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case string, integer, number, boolean, array, object, null
    }

    /// Allowed JSON types; empty: any.
    public var types: [Kind] = []
    /// Allowed values; nil: any of the types.
    public var enumeration: [JSON]?
    public var properties: [Property] = []
    public var required: [String] = []
    /// Members not in `properties`: nil allows any; `.never` forbids them.
    public var additionalProperties: Box?
    public var items: Box?
    public var oneOf: [JSONSchema] = []
    /// Checked loosely: `date-time`, `uuid`, `int32`, `int64`, `uri` (a scheme and a colon).
    public var format: String?
    public var minimum: Int?
    public var maximum: Int?
    public var description: String?
    /// Rendered under `components/schemas` and referenced by `$ref` (e.g. the WES `RunLog`).
    public var name: String?
    /// A value that never validates: `additionalProperties: false`.
    public var never = false

    public struct Property: Sendable {
        public var name: String
        public var schema: JSONSchema
    }

    /// Indirection for the schemas a schema holds.
    public final class Box: Sendable {
        public let schema: JSONSchema
        init(_ schema: JSONSchema) { self.schema = schema }
    }

    /// A value at a JSON path that the schema refuses.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    public init() {}

    // MARK: building

    public static let any = JSONSchema()
    public static var string: JSONSchema { of(.string) }
    public static var integer: JSONSchema { of(.integer) }
    public static var number: JSONSchema { of(.number) }
    public static var boolean: JSONSchema { of(.boolean) }
    static var neverMatches: JSONSchema {
        var schema = JSONSchema()
        schema.never = true
        return schema
    }

    public static func of(_ kinds: Kind...) -> JSONSchema {
        var schema = JSONSchema()
        schema.types = kinds
        return schema
    }

    public static func string(format: String) -> JSONSchema {
        var schema = string
        schema.format = format
        return schema
    }

    public static func strings(_ values: [String]) -> JSONSchema {
        var schema = string
        schema.enumeration = values.map(JSON.string)
        return schema
    }

    public static func array(_ items: JSONSchema) -> JSONSchema {
        var schema = of(.array)
        schema.items = Box(items)
        return schema
    }

    /// An object; `required` names the members that must be there, `closed` forbids any other.
    public static func object(
        _ properties: KeyValuePairs<String, JSONSchema>, required: [String] = [], closed: Bool = false
    ) -> JSONSchema {
        var schema = of(.object)
        schema.properties = properties.map { Property(name: $0.key, schema: $0.value) }
        schema.required = required
        if closed { schema.additionalProperties = Box(neverMatches) }
        return schema
    }

    /// An object whose every member value is `values` (a map).
    public static func map(_ values: JSONSchema) -> JSONSchema {
        var schema = of(.object)
        schema.additionalProperties = Box(values)
        return schema
    }

    public static func oneOf(_ schemas: [JSONSchema]) -> JSONSchema {
        var schema = JSONSchema()
        schema.oneOf = schemas
        return schema
    }

    /// The same schema, also allowing `null`.
    public var orNull: JSONSchema {
        var schema = self
        if !schema.types.isEmpty, !schema.types.contains(.null) { schema.types.append(.null) }
        if var values = schema.enumeration, !values.contains(.null) {
            values.append(.null)
            schema.enumeration = values
        }
        return schema
    }

    public func named(_ name: String) -> JSONSchema {
        var schema = self
        schema.name = name
        return schema
    }

    public func described(_ text: String) -> JSONSchema {
        var schema = self
        schema.description = text
        return schema
    }

    public func range(_ range: ClosedRange<Int>) -> JSONSchema {
        var schema = self
        schema.minimum = range.lowerBound
        schema.maximum = range.upperBound
        return schema
    }

    public func format(_ format: String) -> JSONSchema {
        var schema = self
        schema.format = format
        return schema
    }

    /// This object's members and `other`'s, their required lists joined.
    public func merging(_ other: JSONSchema) -> JSONSchema {
        var schema = self
        schema.properties += other.properties
        schema.required += other.required
        return schema
    }

    public func property(_ name: String) -> JSONSchema? { properties.first { $0.name == name }?.schema }

    // MARK: validating

    /// Every problem of `value` against this schema, each with its JSON path (`$.run_log.exit_code`).
    public func validate(_ value: JSON, at path: String = "$") -> [Problem] {
        var problems: [Problem] = []
        check(value, path, &problems)
        return problems
    }

    private func check(_ value: JSON, _ path: String, _ problems: inout [Problem]) {
        if never {
            problems.append(Problem(path: path, message: "is not allowed here"))
            return
        }
        if !types.isEmpty, !types.contains(where: { Self.fits(value, $0) }) {
            problems.append(Problem(path: path, message: "is \(value.kindName); expected \(Self.list(types.map(\.rawValue)))"))
            return
        }
        if let enumeration, !enumeration.contains(where: { Self.same($0, value) }) {
            let allowed = enumeration.prefix(12).map { $0.serialized() }
            problems.append(Problem(path: path, message: "is \(Self.short(value)); allowed: \(allowed.joined(separator: ", "))"))
        }
        checkFormat(value, path, &problems)
        if let number = value.doubleValue {
            if let minimum, number < Double(minimum) { problems.append(Problem(path: path, message: "is \(Self.short(value)); the least allowed is \(minimum)")) }
            if let maximum, number > Double(maximum) { problems.append(Problem(path: path, message: "is \(Self.short(value)); the most allowed is \(maximum)")) }
        }
        if case .object(let members) = value {
            var seen = Set<String>()
            for (key, member) in members {
                seen.insert(key)
                let memberPath = path + Self.pathStep(key)
                if let schema = property(key) {
                    schema.check(member, memberPath, &problems)
                } else if let additional = additionalProperties?.schema {
                    if additional.never {
                        problems.append(Problem(path: memberPath, message: "is not a member this object may have"))
                    } else {
                        additional.check(member, memberPath, &problems)
                    }
                }
            }
            for name in required where !seen.contains(name) {
                problems.append(Problem(path: path, message: "lacks the required member \"\(name)\""))
            }
        }
        if case .array(let elements) = value, let items = items?.schema {
            for (index, element) in elements.enumerated() { items.check(element, "\(path)[\(index)]", &problems) }
        }
        if !oneOf.isEmpty {
            let fitting = oneOf.filter { $0.validate(value, at: path).isEmpty }.count
            if fitting != 1 {
                problems.append(Problem(path: path, message: "fits \(fitting) of the \(oneOf.count) allowed shapes; expected exactly one"))
            }
        }
    }

    private static func fits(_ value: JSON, _ kind: Kind) -> Bool {
        switch (kind, value) {
        case (.null, .null), (.boolean, .bool), (.string, .string), (.array, .array), (.object, .object): true
        case (.number, .int), (.number, .double), (.integer, .int): true
        case (.integer, .double(let d)): d.rounded() == d
        default: false
        }
    }

    /// Enum comparison: JSON's `==` except that a boolean never equals a number.
    private static func same(_ a: JSON, _ b: JSON) -> Bool { a.kindName == b.kindName && a == b }

    private func checkFormat(_ value: JSON, _ path: String, _ problems: inout [Problem]) {
        guard let format else { return }
        switch (format, value) {
        case ("date-time", .string(let text)) where !Self.looksLikeDateTime(text):
            problems.append(Problem(path: path, message: "is \(Self.short(value)); expected an RFC 3339 date-time"))
        case ("uuid", .string(let text)) where !Self.looksLikeUUID(text):
            problems.append(Problem(path: path, message: "is \(Self.short(value)); expected a UUID"))
        case ("uri", .string(let text)) where !text.contains(":"):
            problems.append(Problem(path: path, message: "is \(Self.short(value)); expected an absolute URI"))
        case ("int32", _):
            if let number = value.doubleValue, !(Double(Int32.min)...Double(Int32.max)).contains(number) {
                problems.append(Problem(path: path, message: "is \(Self.short(value)); expected a 32-bit integer"))
            }
        default: break
        }
    }

    /// `2025-01-01T00:00:05Z`, with an optional fraction and a `Z` or `±hh:mm` offset.
    static func looksLikeDateTime(_ text: String) -> Bool {
        let b = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { $0 < b.count && (48...57).contains(b[$0]) } }
        guard b.count >= 20, digits(0..<4), b[4] == 45, digits(5..<7), b[7] == 45, digits(8..<10),
            b[10] == 84 || b[10] == 116, digits(11..<13), b[13] == 58, digits(14..<16), b[16] == 58, digits(17..<19)
        else { return false }
        var at = 19
        if b[at] == 46 {
            at += 1
            let start = at
            while at < b.count, (48...57).contains(b[at]) { at += 1 }
            if at == start { return false }
        }
        guard at < b.count else { return false }
        if b[at] == 90 || b[at] == 122 { return at + 1 == b.count }
        guard b[at] == 43 || b[at] == 45, b.count == at + 6, digits(at + 1..<at + 3), b[at + 3] == 58 else { return false }
        return digits(at + 4..<at + 6)
    }

    static func looksLikeUUID(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                if c != 45 { return false }
            } else if !((48...57).contains(c) || (65...70).contains(c) || (97...102).contains(c)) {
                return false
            }
        }
        return true
    }

    /// `.name`, or `["odd name"]` when the name is not a plain identifier.
    static func pathStep(_ key: String) -> String {
        let plain = !key.isEmpty && key.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
        return plain ? "." + key : "[" + JSON.string(key).serialized() + "]"
    }

    static func short(_ value: JSON) -> String {
        let text = value.serialized()
        return text.count <= 60 ? text : String(text.prefix(57)) + "..."
    }

    static func list(_ words: [String]) -> String {
        words.count <= 1 ? words.joined() : words.dropLast().joined(separator: ", ") + " or " + words[words.count - 1]
    }

    // MARK: rendering

    /// This schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect). Named sub-schemas become `$ref`s to
    /// `#/components/schemas/NAME` and are gathered into `components` (the first schema of a name wins).
    public func rendered(components: inout [(String, JSON)], asReference: Bool = true) -> JSON {
        if asReference, let name {
            if !components.contains(where: { $0.0 == name }) {
                components.append((name, .null))  // reserve the slot first, so the order is the order of first use
                let body = rendered(components: &components, asReference: false)
                if let at = components.firstIndex(where: { $0.0 == name }) { components[at].1 = body }
            }
            return .object([("$ref", .string("#/components/schemas/\(name)"))])
        }
        if never { return .bool(false) }
        var out: [(String, JSON)] = []
        if let description { out.append(("description", .string(description))) }
        if types.count == 1 {
            out.append(("type", .string(types[0].rawValue)))
        } else if types.count > 1 {
            out.append(("type", .array(types.map { .string($0.rawValue) })))
        }
        if let format { out.append(("format", .string(format))) }
        if let enumeration { out.append(("enum", .array(enumeration))) }
        if let minimum { out.append(("minimum", .int(minimum))) }
        if let maximum { out.append(("maximum", .int(maximum))) }
        if !properties.isEmpty {
            out.append(("properties", .object(properties.map { ($0.name, $0.schema.rendered(components: &components)) })))
        }
        if !required.isEmpty { out.append(("required", .array(required.map(JSON.string)))) }
        if let additional = additionalProperties?.schema {
            out.append(("additionalProperties", additional.rendered(components: &components)))
        }
        if let items = items?.schema { out.append(("items", items.rendered(components: &components))) }
        if !oneOf.isEmpty { out.append(("oneOf", .array(oneOf.map { $0.rendered(components: &components) }))) }
        return .object(out)
    }
}
