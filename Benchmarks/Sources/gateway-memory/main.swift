import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Memory of a gatewayd rover over an hour of data: a vehicle driving circles, simulated by gnss-sim (GPS, Galileo
// and the LEO satellites, with the satellite segment's downlink bringing the LEO ephemerides), streamed over loopback
// UDP to a PPP rover station as fast as it solves. Reports gatewayd's resident memory after 10 minutes of data and
// at the end, and their ratio: a rover keeps nothing per epoch, so the two should be within a few per cent.
// Usage: gateway-memory [--minutes 60] [--gatewayd PATH] [--gnss-sim PATH] [--data DIR]

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
var minutes = 60
var bin = root.appendingPathComponent(".build/release").path
var gatewayd: String?
var simulator: String?
var dataDirectory: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--minutes": minutes = Int(arguments.next() ?? "") ?? minutes
    case "--gatewayd": gatewayd = arguments.next()
    case "--gnss-sim": simulator = arguments.next()
    case "--data": dataDirectory = arguments.next()
    default: print("usage: gateway-memory [--minutes 60] [--gatewayd PATH] [--gnss-sim PATH] [--data DIR]"); exit(2)
    }
}
let gatewaydPath = gatewayd ?? bin + "/gatewayd"
let gatewayctlPath = (gatewaydPath as NSString).deletingLastPathComponent + "/gatewayctl"
let simulatorPath = simulator ?? (gatewaydPath as NSString).deletingLastPathComponent + "/gnss-sim"
for path in [gatewaydPath, gatewayctlPath, simulatorPath] where !FileManager.default.isExecutableFile(atPath: path) {
    print("no \(path): run `swift build -c release` in the main package first")
    exit(1)
}

func run(_ path: String, _ arguments: [String], directory: String) -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: directory)
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return (-1, "") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

func residentKiB(_ pid: Int32) -> Int {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

let work = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-memory-\(getpid())").path
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: work) }
let data = dataDirectory ?? work + "/sim"
if !FileManager.default.fileExists(atPath: data + "/CAR.rtcm3") {
    print("simulating \(minutes) min of a vehicle and the satellite segment…")
    let sim = run(simulatorPath, ["observations", "--minutes", "\(minutes)", "--moving", "CAR@55.49357,8.48847,59.7,40,8", "--out", data],
                  directory: work)
    guard sim.status == 0 else { print("gnss-sim failed"); exit(1) }
}

let configuration = """
    gateway_id: memory
    control_socket: ./ctl.sock
    metrics: off
    state_directory: ./state
    stations:
      - name: ROV0
        listen: 127.0.0.1:5871
        processing: ppp
      - name: LEO
        listen: 127.0.0.1:5879
        format: leo
        processing: none
    """
try configuration.write(toFile: work + "/gateway.yaml", atomically: true, encoding: .utf8)
let daemon = Process()
daemon.executableURL = URL(fileURLWithPath: gatewaydPath)
daemon.arguments = ["run", "--config", "gateway.yaml"]
daemon.currentDirectoryURL = URL(fileURLWithPath: work)
daemon.standardOutput = FileHandle.nullDevice
daemon.standardError = FileHandle.nullDevice
try daemon.run()
defer { daemon.terminate(); daemon.waitUntilExit() }

func roverEpochs() -> Int {
    let reply = run(gatewayctlPath, ["--socket", "ctl.sock", "stations", "--json"], directory: work).output
    guard let object = try? JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any],
          let stations = object["stations"] as? [[String: Any]] else { return -1 }
    return stations.first { $0["name"] as? String == "ROV0" }?["epochs"] as? Int ?? -1
}
while roverEpochs() < 0 { usleep(100_000) }

let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
func send(_ bytes: ArraySlice<UInt8>, port: UInt16) {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(port.bigEndian)
    address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
    _ = bytes.withUnsafeBytes { b in
        withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        } }
    }
}

// The downlink first (its LEO ephemerides cover the hour), then the rover, a KiB per datagram, never more than
// about two minutes of data ahead of what the station has solved (its inbox holds 512 datagrams).
let segment = Array(try Data(contentsOf: URL(fileURLWithPath: data + "/satellite-segment.rtcm3")))
for start in stride(from: 0, to: segment.count, by: 1024) {
    send(segment[start..<min(start + 1024, segment.count)], port: 5879)
    if start % (256 << 10) == 0 { usleep(20_000) }
}
let rover = Array(try Data(contentsOf: URL(fileURLWithPath: data + "/CAR.rtcm3")))
let totalEpochs = minutes * 60
let started = Date()
var rssAtTen = 0
for start in stride(from: 0, to: rover.count, by: 1024) {
    send(rover[start..<min(start + 1024, rover.count)], port: 5871)
    let sentEpochs = totalEpochs * start / rover.count
    if start % (16 << 10) == 0 {
        var solved = roverEpochs()
        while sentEpochs - solved > 120 {
            usleep(20_000)
            solved = roverEpochs()
        }
        if rssAtTen == 0 && solved >= 600 {
            rssAtTen = residentKiB(daemon.processIdentifier)
            print("after 10 min of data: \(rssAtTen) KiB resident")
        }
    }
}
var last = -1
while true {
    usleep(500_000)
    let now = roverEpochs()
    if now == last { break }
    last = now
}
let rssAtEnd = residentKiB(daemon.processIdentifier)
print("after \(minutes) min of data (\(last) epochs solved in \(Int(Date().timeIntervalSince(started))) s): \(rssAtEnd) KiB resident")
if rssAtTen > 0 {
    print(String(format: "ratio %.3f (end / 10 min)", Double(rssAtEnd) / Double(rssAtTen)))
}
