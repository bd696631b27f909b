import CMicroHTTPD
@testable import MicroHTTPDHost
import MockRunsHTTP
import Testing

/// `ConnectionMemo.restamp` finding the changed values once (a bit each) and leaving Connection and
/// Transfer-Encoding to `valueSlots`: every changed value is written, wherever it lies (the first field, the
/// last, field 63), libmicrohttpd's list is then what a fresh response lists, and a list too long for the bits is
/// made afresh instead.
@Suite struct HotRestampTests {
    private let body = Array(#"{"state":"RUNNING"}"#.utf8)

    private func made(_ fields: [(String, String)]) -> OpaquePointer { MHDResponseFixture.made(fields, body: body) }

    private func listed(_ response: OpaquePointer) -> [String] { MHDResponseFixture.listed(response) }

    /// The memo's response for each of `answers` in turn after it kept one for `first` (nil where it gave none),
    /// and what a fresh response for each lists.
    private func restamped(_ first: [(String, String)], _ answers: [[(String, String)]]) -> [(got: [String]?, fresh: [String])] {
        let memo = ConnectionMemo(watched: nil)
        #expect(memo.keep(made(first), headers: HTTPHeaders(first), body: body))
        return answers.map { answer in
            let fresh = made(answer)
            defer { MHD_destroy_response(fresh) }
            return (memo.restampedResponse(headers: HTTPHeaders(answer), body: body).map(listed), listed(fresh))
        }
    }

    @Test func scatteredChangesAreAllWritten() {
        let names = (0..<13).map { "X-\($0)" }
        let first = names.map { ($0, "v00") }
        var next = first
        for index in [0, 5, 12] { next[index].1 = "w\(index < 10 ? "0" : "")\(index)" }
        var third = next
        third[5].1 = "v00"  // back again
        third[6].1 = "zzz"
        let results = restamped(first, [next, third, third])
        for (got, fresh) in results {
            #expect(got != nil)
            #expect(got == fresh)
        }
        #expect(results[0].got?[0] == "X-0: w00" && results[0].got?[12] == "X-12: w12" && results[0].got?[1] == "X-1: v00")
        #expect(results[1].got?[5] == "X-5: v00" && results[1].got?[6] == "X-6: zzz")
    }

    /// Content-Length fields (libmicrohttpd writes its own) make a long list of few listed headers: up to 64
    /// fields the last one's change is written; past that the answer is made afresh.
    @Test func theLastOfSixtyFourFieldsAndNoMore() {
        func answer(_ count: Int, _ value: String) -> [(String, String)] {
            Array(repeating: ("Content-Length", "19"), count: count - 1) + [("X-Last", value)]
        }
        let atLimit = restamped(answer(64, "a1"), [answer(64, "b2")])[0]
        #expect(atLimit.got == ["X-Last: b2"])
        #expect(atLimit.got == atLimit.fresh)
        #expect(restamped(answer(65, "a1"), [answer(65, "b2")])[0].got == nil)
        // Unchanged, a long list is still the same answer.
        #expect(restamped(answer(65, "a1"), [answer(65, "a1")])[0].got == ["X-Last: a1"])
    }

    /// A Transfer-Encoding beside a changed value: the value is written, the Transfer-Encoding left as it is;
    /// a changed Transfer-Encoding is never written.
    @Test func transferEncodingIsLeftAlone() {
        let first = [("A", "1"), ("Transfer-Encoding", "chunked"), ("B", "2")]
        let results = restamped(first, [[("A", "3"), ("Transfer-Encoding", "chunked"), ("B", "4")]])
        if let got = results[0].got { #expect(got == results[0].fresh) }
        #expect(restamped(first, [[("A", "1"), ("Transfer-Encoding", "CHUNKED"), ("B", "2")]])[0].got == nil)
        #expect(restamped(first, [[("A", "3"), ("Transfer-Encoding", "CHUNKED"), ("B", "4")]])[0].got == nil)
    }
}
