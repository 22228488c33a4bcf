import Foundation
import GNSSFormats
import Testing
import TestSupport

@Suite struct InspectDuplicateKeyTests {
    @Test("The scanner finds a repeated key at any depth, and none in distinct keys")
    func scanner() {
        #expect(JSONDuplicateKeys.find(in: #"{"a":1,"b":[{"c":"x,}","c":2}],"d":{"a":null}}"#) == ["$.b[0].c"])
        #expect(JSONDuplicateKeys.find(in: #"{"toe":"2012-10-13T22:00:00","toe_seconds":597600}"#).isEmpty)
    }

    @Test("No object inspect --json writes for the shared RTCM 3 captures has a key twice",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func sharedCaptures() throws {
        let directory = SharedData.path("rtcm3")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(!files.isEmpty)
        var objects = 0
        var types: Set<Int> = []
        for file in files {
            var duplicates: [String: Int] = [:]
            let sink = InspectSink(writeJSON: true) { line in
                objects += 1
                for key in JSONDuplicateKeys.find(in: line) {
                    let type = line.firstRange(of: #""type":"#).map { line[$0.upperBound...].prefix { $0.isNumber } } ?? ""
                    duplicates["\(type) \(key)", default: 0] += 1
                }
                if let range = line.firstRange(of: #""type":"#), let type = Int(line[range.upperBound...].prefix { $0.isNumber }) { types.insert(type) }
            }
            _ = try? Inspection.inspect(path: directory + "/" + file, sink: sink)
            #expect(duplicates.isEmpty, "\(file): \(duplicates.sorted { $0.key < $1.key })")
        }
        #expect(objects > 1000)
        #expect(types.isSuperset(of: [1005, 1019, 1020, 1077, 1087, 1127]), "\(types.sorted())")
    }
}
