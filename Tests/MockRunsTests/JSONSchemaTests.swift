import MockRuns
import Scenarios
import Testing

/// The contract's schema model as a validator: each keyword of the subset refuses what it should, at the right
/// JSON path, and lets the rest pass.
@Suite struct JSONSchemaTests {
    let run = JSONSchema.object(
        [
            "id": .string,
            "state": .strings(["QUEUED", "RUNNING"]),
            "exit_code": JSONSchema.integer.orNull,
            "tags": .map(.string),
            "cmd": .array(.string),
            "log": .object(["name": .string], required: ["name"], closed: true),
        ], required: ["id", "state"])

    func problems(_ text: String, _ schema: JSONSchema? = nil) throws -> [String] {
        (schema ?? run).validate(try JSON.parse(Array(text.utf8))).map(\.description)
    }

    @Test func aFittingValueHasNoProblem() throws {
        #expect(try problems(#"{"id": "a", "state": "QUEUED", "exit_code": null, "tags": {"k": "v"}, "cmd": ["x"], "log": {"name": "n"}, "extra": 1}"#) == [])
        #expect(try problems(#"{"id": "a", "state": "RUNNING", "exit_code": 3}"#) == [])
    }

    @Test func eachKeywordRefusesWithItsPath() throws {
        #expect(try problems(#"{"state": "QUEUED"}"#) == [#"$: lacks the required member "id""#])
        #expect(try problems(#"{"id": 1, "state": "QUEUED"}"#) == ["$.id: is a number; expected string"])
        #expect(try problems(#"{"id": "a", "state": "DONE"}"#) == [#"$.state: is "DONE"; allowed: "QUEUED", "RUNNING""#])
        #expect(try problems(#"{"id": "a", "state": "QUEUED", "exit_code": 1.5}"#) == ["$.exit_code: is a number; expected integer or null"])
        #expect(try problems(#"{"id": "a", "state": "QUEUED", "tags": {"k": 1}}"#) == ["$.tags.k: is a number; expected string"])
        #expect(try problems(#"{"id": "a", "state": "QUEUED", "cmd": ["x", null]}"#) == ["$.cmd[1]: is null; expected string"])
        #expect(try problems(#"{"id": "a", "state": "QUEUED", "log": {"name": "n", "more": true}}"#) == ["$.log.more: is not a member this object may have"])
        #expect(try problems(#"{"id": "a", "state": "QUEUED", "tags": {"odd key": 2}}"#) == [#"$.tags["odd key"]: is a number; expected string"#])
        #expect(try problems("[]") == ["$: is an array; expected object"])
    }

    @Test func nullIsRefusedUnlessTheTypeListHasIt() throws {
        #expect(try problems(#"{"id": null, "state": "QUEUED"}"#) == ["$.id: is null; expected string"])
        #expect(try problems("null", JSONSchema.strings(["a"]).orNull) == [])
        #expect(try problems(#""b""#, JSONSchema.strings(["a"]).orNull) == [#"$: is "b"; allowed: "a", null"#])
    }

    @Test func integersAndBooleansAreNotConfused() throws {
        #expect(try problems("2.0", .integer) == [])
        #expect(try problems("true", .integer) == ["$: is a boolean; expected integer"])
        #expect(try problems("1", .boolean) == ["$: is a number; expected boolean"])
        var one = JSONSchema()
        one.enumeration = [.int(1)]
        #expect(try problems("true", one) == ["$: is true; allowed: 1"])
        #expect(try problems("5", JSONSchema.integer.range(1...4)) == ["$: is 5; the most allowed is 4"])
    }

    @Test func oneOfNeedsExactlyOneFit() throws {
        let either = JSONSchema.oneOf([.object(["a": .string], required: ["a"]), .array(.integer)])
        #expect(try problems(#"{"a": "x"}"#, either) == [])
        #expect(try problems("[1, 2]", either) == [])
        #expect(try problems(#""text""#, either) == ["$: fits 0 of the 2 allowed shapes; expected exactly one"])
        let both = JSONSchema.oneOf([.string, .string])
        #expect(try problems(#""x""#, both) == ["$: fits 2 of the 2 allowed shapes; expected exactly one"])
    }

    @Test func formatsAreCheckedLoosely() throws {
        let time = JSONSchema.string(format: "date-time")
        for good in ["2025-01-01T00:00:05Z", "2025-01-01T00:00:05.123456Z", "2025-01-01T00:00:05+02:00"] {
            #expect(try problems("\"\(good)\"", time) == [], "\(good)")
        }
        for bad in ["2025-01-01", "2025-01-01T00:00:05", "2025-01-01 00:00:05Z", "2025-01-01T00:00:05.Z", "yesterday"] {
            #expect(try problems("\"\(bad)\"", time).count == 1, "\(bad)")
        }
        let uuid = JSONSchema.string(format: "uuid")
        #expect(try problems(#""40a9c1a6-9263-4982-a574-e494f7c4b621""#, uuid) == [])
        #expect(try problems(#""40a9c1a6-9263-4982-a574-e494f7c4b62""#, uuid).count == 1)
        #expect(try problems("4294967296", JSONSchema.integer.format("int32")).count == 1)
        #expect(try problems("2147483647", JSONSchema.integer.format("int32")) == [])
        #expect(try problems(#""no-scheme""#, JSONSchema.string(format: "uri")).count == 1)
    }

    @Test func namedSchemasRenderOnceAsReferences() {
        let state = JSONSchema.strings(["A", "B"]).named("State")
        let schema = JSONSchema.object(["now": state, "then": .array(state)])
        var components: [(String, JSON)] = []
        let rendered = schema.rendered(components: &components)
        #expect(rendered["properties"]?["now"] == ["$ref": "#/components/schemas/State"])
        #expect(rendered["properties"]?["then"]?["items"] == ["$ref": "#/components/schemas/State"])
        #expect(components.map(\.0) == ["State"])
        #expect(components.first?.1 == ["type": "string", "enum": ["A", "B"]])
        let closed = JSONSchema.object(["a": JSONSchema.string.orNull], closed: true)
        #expect(closed.rendered(components: &components) == ["type": "object", "properties": ["a": ["type": ["string", "null"]]], "additionalProperties": false])
    }
}

