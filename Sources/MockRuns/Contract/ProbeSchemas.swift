import Scenarios

/// The bodies `mockruns contract` expects are the ones `mockruns openapi` exports: each fake's `documentation`,
/// looked up per operation and status, so a check can never judge against another schema than the published one.
extension APIDocumentation {
    /// The JSON schema documented for `status` of `method endpoint`: the response's own, or the error body for a
    /// status the operation lists among its errors. nil when the document says nothing of that answer.
    public func schema(_ method: String, _ endpoint: String, status: Int) -> JSONSchema? {
        guard let operation = operation(endpoint: endpoint, method: method) else { return nil }
        if let response = operation.responses.first(where: { $0.status == status }) {
            return response.content.first { $0.mediaType == "application/json" || $0.mediaType.hasSuffix("+json") }?.schema
        }
        guard operation.errors.contains(where: { $0.status == status }) else { return nil }
        return operation.errorBody ?? errorBody
    }
}
