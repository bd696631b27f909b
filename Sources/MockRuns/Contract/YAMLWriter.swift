import Scenarios

/// JSON written as block-style YAML, deterministically (members in their order, two-space indents). A string is
/// written plain only when no YAML 1.1 or 1.2 reader could take it for anything else; every other string is
/// double-quoted with JSON-compatible escapes, so colons, `#`, newlines, leading spaces, `yes`/`no`/`null` and
/// numbers written as strings all read back as the same string.
public enum YAMLWriter {
    /// One YAML document (with its `---` start), ending in a newline.
    public static func document(_ value: JSON) -> String {
        var out = "---\n"
        write(value, indent: 0, into: &out)
        return out
    }

    private static func write(_ value: JSON, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .object(let members) where !members.isEmpty:
            for (key, member) in members {
                out += pad + scalar(key) + ":"
                writeNested(member, indent: indent, into: &out)
            }
        case .array(let elements) where !elements.isEmpty:
            for element in elements {
                out += pad + "-"
                switch element {
                case .object(let members) where !members.isEmpty:
                    // The first member on the dash's line, the rest aligned under it.
                    var nested = ""
                    write(element, indent: indent + 2, into: &nested)
                    out += " " + nested.dropFirst(indent + 2)
                case .array(let inner) where !inner.isEmpty:
                    out += "\n"
                    write(element, indent: indent + 2, into: &out)
                default:
                    out += " " + inline(element) + "\n"
                }
            }
        default:
            out += pad + inline(value) + "\n"
        }
    }

    private static func writeNested(_ value: JSON, indent: Int, into out: inout String) {
        switch value {
        case .object(let members) where !members.isEmpty:
            out += "\n"
            write(value, indent: indent + 2, into: &out)
        case .array(let elements) where !elements.isEmpty:
            out += "\n"
            write(value, indent: indent, into: &out)  // a sequence may sit at its key's indent
        default:
            out += " " + inline(value) + "\n"
        }
    }

    private static func inline(_ value: JSON) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int, .double: value.serialized()
        case .string(let s): scalar(s)
        case .array: "[]"
        case .object: "{}"
        }
    }

    /// Words YAML 1.1 readers (PyYAML, the OpenAPI tools built on it) read as booleans or null.
    private static let reserved: Set<String> = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ]

    /// `text` plain when it is letters, digits and a few safe marks starting with a letter (and not a reserved
    /// word), else double-quoted.
    public static func scalar(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let plain =
            !bytes.isEmpty && bytes.count <= 200 && isLetter(bytes[0]) && bytes.last != UInt8(ascii: " ")
            && bytes.allSatisfy { isLetter($0) || isDigit($0) || $0 == 0x2F /* / */ || $0 == 0x5F /* _ */ || $0 == 0x2E /* . */ || $0 == 0x2D /* - */ || $0 == 0x20 }
            && !reserved.contains(text.lowercased())
        return plain ? text : quoted(text)
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// A YAML double-quoted scalar: `"` and `\` escaped, and every character outside YAML's printable set (C0 and
    /// C1 controls, DEL, the line and paragraph separators, U+FEFF, non-characters) as `\uXXXX` or `\UXXXXXXXX`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0x00..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF:
                out += "\\u" + hex(scalar.value, digits: 4)
            case 0x10000...:
                out += (scalar.properties.isNoncharacterCodePoint ? "\\U" + hex(scalar.value, digits: 8) : String(scalar))
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
