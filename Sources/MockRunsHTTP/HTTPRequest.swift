/// One request as the API fakes see it: a plain value, already read in full, with no tie to the socket it came from.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without the query string, percent-decoded.
    public var path: String
    /// Query arguments in the order they were sent, percent-decoded.
    public var query: [(name: String, value: String)]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Fields of a form-encoded or multipart body, parsed by the host; nil for any other content type.
    public var form: [FormField]?
    /// Why the host could not parse `form` (e.g. a multipart body without a boundary); nil when it could.
    public var formError: String?

    public init(
        method: String,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        form: [FormField]? = nil,
        formError: String? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.form = form
        self.formError = formError
    }

    /// The first query argument called `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// The media type of the body, lower-cased and without parameters (`multipart/form-data`).
    public var mediaType: String? {
        guard let value = headers["Content-Type"] else { return nil }
        let type = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? value
        return type.trimmingSpaces().lowercased()
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// One field of a form body; `filename` is set for a multipart file part.
public struct FormField: Sendable, Equatable {
    public var name: String
    public var value: [UInt8]
    public var filename: String?
    public var contentType: String?

    public init(name: String, value: [UInt8], filename: String? = nil, contentType: String? = nil) {
        self.name = name
        self.value = value
        self.filename = filename
        self.contentType = contentType
    }

    public var text: String { String(decoding: value, as: UTF8.self) }
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
