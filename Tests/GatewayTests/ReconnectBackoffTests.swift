import Testing
@testable import Gateway

@Suite struct ReconnectBackoffTests {
    @Test("waits double from 0.25 s to at most 5 s, each drawn from the upper half, and start over after a connection")
    func bounds() {
        var backoff = ReconnectBackoff()
        var ceiling = Duration.milliseconds(250)
        for _ in 0..<40 {
            let wait = backoff.next()
            #expect(wait >= ceiling / 2 && wait <= ceiling, "\(wait) outside \(ceiling / 2)…\(ceiling)")
            ceiling = min(ceiling * 2, .seconds(5))
        }
        let late = (0..<200).map { _ in backoff.next() }
        #expect(late.allSatisfy { $0 >= .milliseconds(2500) && $0 <= .seconds(5) })
        #expect(Set(late).count > 100, "the waits are spread, not in step")
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(250))
    }
}
