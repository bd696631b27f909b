import Scenarios

/// What a fake says about its own contract beyond its route table and descriptor: per endpoint, its parameters,
/// body and answers. Each fake declares it beside its code (`<API>Documentation.swift`); `OpenAPIDocument`
/// joins it with the route table (the paths), the descriptor (states, settings) and the fake's own error
/// renderer (error bodies and their media types), so no part of a document is kept twice.
public struct APIDocumentation: Sendable {
    public var title: String
    /// The version of the real API the fake follows.
    public var version: String
    public var description: String
    public var securitySchemes: [SecurityScheme]
    /// The schemes every operation takes unless it says otherwise (any one of them).
    public var security: [String]
    /// The body of this API's errors, as its `response(for:to:settings:)` renders them.
    public var errorBody: JSONSchema
    public var operations: [Operation]

    public init(
        title: String, version: String, description: String, securitySchemes: [SecurityScheme], security: [String],
        errorBody: JSONSchema, operations: [Operation]
    ) {
        self.title = title
        self.version = version
        self.description = description
        self.securitySchemes = securitySchemes
        self.security = security
        self.errorBody = errorBody
        self.operations = operations
    }

    /// The operation documented for a route (endpoint name and method).
    public func operation(endpoint: String, method: String) -> Operation? {
        operations.first { $0.endpoint == endpoint && $0.method == method }
    }
}

extension APIDocumentation {
    /// One endpoint of a route table, documented. Every route with this endpoint name and method shares it.
    public struct Operation: Sendable {
        public var endpoint: String
        public var method: String
        public var summary: String
        public var description: String?
        /// Query and header parameters; path parameters too when they need more than "a required string".
        public var parameters: [Parameter]
        public var requestBody: RequestBody?
        public var responses: [Response]
        /// Error statuses this operation answers in the API's error body, each with when.
        public var errors: [(status: Int, when: String)]
        /// The security schemes this operation takes (any one of them); nil: the document's. Empty: none.
        public var security: [String]?
        /// The error body of this operation when it is not the API's (Solvexia's token endpoint: RFC 6749).
        public var errorBody: JSONSchema?

        public init(
            _ method: String, _ endpoint: String, summary: String, description: String? = nil, parameters: [Parameter] = [],
            requestBody: RequestBody? = nil, responses: [Response], errors: [(Int, String)], security: [String]? = nil,
            errorBody: JSONSchema? = nil
        ) {
            self.method = method
            self.endpoint = endpoint
            self.summary = summary
            self.description = description
            self.parameters = parameters
            self.requestBody = requestBody
            self.responses = responses
            self.errors = errors.map { (status: $0.0, when: $0.1) }
            self.security = security
            self.errorBody = errorBody
        }
    }

    public struct Parameter: Sendable {
        public enum Location: String, Sendable { case query, header, path }
        public var name: String
        public var location: Location
        public var required: Bool
        public var schema: JSONSchema
        public var description: String

        public init(_ name: String, in location: Location, required: Bool = false, _ schema: JSONSchema = .string, _ description: String) {
            self.name = name
            self.location = location
            self.required = required || location == .path
            self.schema = schema
            self.description = description
        }
    }

    public struct RequestBody: Sendable {
        public var required: Bool
        /// Media types the endpoint reads, each with its schema (a form's fields as an object's properties).
        public var content: [Content]
        public var description: String?

        public init(required: Bool, _ content: [Content], description: String? = nil) {
            self.required = required
            self.content = content
            self.description = description
        }
    }

    /// A body of one media type, with its schema and an example (a seed page's, where the page has one).
    public struct Content: Sendable {
        public var mediaType: String
        public var schema: JSONSchema
        public var example: JSON?
        /// Multipart fields sent as JSON text or files: rendered as the `encoding` of those properties.
        public var encoding: [(property: String, contentType: String)]

        public init(_ mediaType: String, _ schema: JSONSchema, example: JSON? = nil, encoding: [(String, String)] = []) {
            self.mediaType = mediaType
            self.schema = schema
            self.example = example
            self.encoding = encoding.map { (property: $0.0, contentType: $0.1) }
        }
    }

    /// A documented answer other than an error: its status, body and headers.
    public struct Response: Sendable {
        public var status: Int
        public var description: String
        /// Empty: no body.
        public var content: [Content]
        public var headers: [(name: String, description: String)]

        public init(_ status: Int, _ description: String, _ content: [Content] = [], headers: [(String, String)] = []) {
            self.status = status
            self.description = description
            self.content = content
            self.headers = headers.map { (name: $0.0, description: $0.1) }
        }

        /// A JSON answer.
        public static func json(_ status: Int, _ description: String, _ schema: JSONSchema, example: JSON? = nil) -> Response {
            Response(status, description, [Content("application/json", schema, example: example)])
        }
    }

    /// How a client proves who it is, as an OpenAPI security scheme.
    public struct SecurityScheme: Sendable {
        public var name: String
        public var definition: JSON

        /// A key sent as a header, a query parameter or a cookie.
        public static func apiKey(_ name: String, parameter: String, in location: String, _ description: String) -> SecurityScheme {
            SecurityScheme(
                name: name,
                definition: .object([
                    ("type", "apiKey"), ("name", .string(parameter)), ("in", .string(location)), ("description", .string(description)),
                ]))
        }

        public static func bearer(_ name: String, _ description: String) -> SecurityScheme {
            SecurityScheme(
                name: name, definition: .object([("type", "http"), ("scheme", "bearer"), ("description", .string(description))]))
        }

        public static func clientCredentials(_ name: String, tokenURL: String, _ description: String) -> SecurityScheme {
            SecurityScheme(
                name: name,
                definition: .object([
                    ("type", "oauth2"), ("description", .string(description)),
                    ("flows", .object([("clientCredentials", .object([("tokenUrl", .string(tokenURL)), ("scopes", .object([]))]))])),
                ]))
        }
    }
}
