import MockRunsHTTP

/// Where the controller fake is more lenient than the Flask controller (docs/apis/controller.md, "Strict mode"):
/// each leniency is a contract deviation; in strict mode it gets the controller's own `{"message"}` answer.
enum ControllerContract {
    /// Flask routes `/controller/run` and `/controller/run_status` without a trailing slash and answers 404 for
    /// `/controller/run/`; the fake's routing ignores a trailing slash.
    /// `routes` are only listed in a refusal (listing them for every request cost a tenth of a status poll).
    static func check(_ request: HTTPRequest, routes: @autoclosure () -> [String], context: FakeContext) throws(APIError) {
        guard request.path.utf8.count > 1, request.path.utf8.last == UInt8(ascii: "/") else { return }
        let canonical = String(request.path.reversed().drop { $0 == "/" }.reversed())
        try context.contract(
            "path \(request.path) ends with a slash — Flask serves \(canonical) only and answers 404 for \(request.path)",
            refusal: APIError(
                404, "no endpoint \(request.method) \(request.path); served here: \(routes().joined(separator: ", "))"))
    }
}
