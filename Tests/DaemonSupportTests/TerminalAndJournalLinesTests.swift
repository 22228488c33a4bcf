import Foundation
import Logging
import Testing
@testable import DaemonSupport

@Suite struct TerminalAndJournalLinesTests {
    @Test("JOURNAL_STREAM counts only when it names the very file standard error is")
    func journalStreamMatchesDeviceAndInode() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-stream-\(UUID().uuidString)").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd); unlink(path) }
        var status = stat()
        try #require(fstat(fd, &status) == 0)
        #expect(JournalStream.matches("\(status.st_dev):\(status.st_ino)", descriptor: fd))
        #expect(!JournalStream.matches("\(status.st_dev):\(status.st_ino + 1)", descriptor: fd))
        #expect(!JournalStream.matches(nil, descriptor: fd))
        #expect(!JournalStream.matches("garbage", descriptor: fd))
        #expect(!JournalStream.matches("\(status.st_dev):\(status.st_ino)", descriptor: -1))
    }

    @Test("Log lines carry <N> priorities only for the journal; on a terminal warnings and errors say so in words")
    func logLines() {
        let metadata: Logger.Metadata = ["station": "DEMO", "listen": "127.0.0.1:5001"]
        #expect(JournalLogHandler.line(label: "gatewayd", level: .critical, message: "cannot start", metadata: metadata, toJournal: true)
                == "<2>gatewayd: cannot start listen=127.0.0.1:5001 station=DEMO")
        #expect(JournalLogHandler.line(label: "gatewayd", level: .critical, message: "cannot start", metadata: metadata, toJournal: false)
                == "gatewayd: error: cannot start listen=127.0.0.1:5001 station=DEMO")
        #expect(JournalLogHandler.line(label: "gatewayd", level: .warning, message: "spool full", metadata: [:], toJournal: false)
                == "gatewayd: warning: spool full")
        #expect(JournalLogHandler.line(label: "dpcd", level: .info, message: "ready", metadata: [:], toJournal: false) == "dpcd: ready")
        #expect(JournalLogHandler.line(label: "dpcd", level: .info, message: "ready", metadata: [:], toJournal: true) == "<6>dpcd: ready")
    }

    @Test("Errors reported directly follow the same convention")
    func errorLines() {
        #expect(StandardError.errorLine("x.yaml: cannot read the file", program: "gatewayd", toJournal: false)
                == "gatewayd: error: x.yaml: cannot read the file")
        #expect(StandardError.errorLine("x.yaml: cannot read the file", program: "gatewayd", toJournal: true)
                == "<3>gatewayd: x.yaml: cannot read the file")
    }
}
