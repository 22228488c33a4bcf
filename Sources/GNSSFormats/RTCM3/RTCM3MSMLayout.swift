import GNSSCore

/// Where each data block of an MSM body lies (RTCM 10403.3 §3.5.12): after the header and cell mask come
/// the satellite fields, one block per field for all satellites, then the signal fields, one block per
/// field for all cells. Which blocks exist and their widths depend only on the MSM type, so with the
/// satellite and cell counts every field has a fixed bit offset.
struct MSMLayout {
    let extended: Bool
    /// Start bits of the blocks; nil where the MSM type has no such field.
    let roughIntegerMilliseconds: Int?
    let extendedInfo: Int?
    let roughModulo: Int
    let roughRate: Int?
    let finePseudorange: Int?
    let finePhase: Int?
    let lockIndicator: Int?
    let halfCycle: Int?
    let cnr: Int?
    let fineRate: Int?
    /// First bit after the message's data.
    let end: Int
    private let lockTimes: [Double]

    init(msm: Int, satellites ns: Int, cells nc: Int, start: Int) {
        extended = msm >= 6
        let hasRate = msm == 5 || msm == 7
        var bit = start
        func block(_ present: Bool, _ width: Int, _ count: Int) -> Int? {
            guard present else { return nil }
            defer { bit += width * count }
            return bit
        }
        roughIntegerMilliseconds = block(msm >= 4, 8, ns)
        extendedInfo = block(hasRate, 4, ns)
        roughModulo = block(true, 10, ns)!
        roughRate = block(hasRate, 14, ns)
        finePseudorange = block(msm != 2, extended ? 20 : 15, nc)
        finePhase = block(msm >= 2, extended ? 24 : 22, nc)
        lockIndicator = block(msm >= 2, extended ? 10 : 4, nc)
        halfCycle = block(msm >= 2, 1, nc)
        cnr = block(msm >= 4, extended ? 10 : 6, nc)
        fineRate = block(hasRate, 15, nc)
        end = bit
        lockTimes = extended ? MSMSignals.lockTimes10 : MSMSignals.lockTimes4
    }

    /// Satellite `i` of the mask.
    @inline(__always)
    func satellite(_ f: MSMFields, _ i: Int, _ id: SatelliteID) -> MSMMessage.Satellite {
        // MSM1–3 carry only the part modulo 1 ms; MSM4–7 add the whole milliseconds (255 = invalid).
        let modulo = Double(f.u(roughModulo + 10 * i, 10)) / 1024
        var rough: Double? = modulo
        if let o = roughIntegerMilliseconds {
            let v = f.u(o + 8 * i, 8)
            rough = v == 255 ? nil : Double(v) + modulo
        }
        var rate: Double?
        if let o = roughRate {
            let v = f.int(o + 14 * i, 14)
            rate = v == -8192 ? nil : Double(v)
        }
        return MSMMessage.Satellite(satellite: id, roughRangeMilliseconds: rough,
                                    extendedInfo: extendedInfo.map { Int(f.u($0 + 4 * i, 4)) }, roughRate: rate)
    }

    /// Cell `k`, its fine values added to its satellite's rough values.
    @inline(__always)
    func cell(_ f: MSMFields, _ k: Int, satellite: MSMMessage.Satellite, signalID: Int, signal: SignalCode) -> MSMMessage.Cell {
        let lightMs = MSMMessage.lightMillisecond
        var pseudorange: Double?
        if let o = finePseudorange, let rough = satellite.roughRangeMilliseconds {
            let (bits, invalid, scale) = extended ? (20, -524_288, 0x1p-29) : (15, -16384, 0x1p-24)
            let v = f.int(o + bits * k, bits)
            if v != invalid { pseudorange = (rough + Double(v) * scale) * lightMs }
        }
        var phaseRange: Double?
        var lockTime: Double?
        var lock = 0
        var halfCycleAmbiguity = false
        if let o = finePhase, let l = lockIndicator, let h = halfCycle {
            let (bits, invalid, scale) = extended ? (24, -8_388_608, 0x1p-31) : (22, -2_097_152, 0x1p-29)
            let v = f.int(o + bits * k, bits)
            if v != invalid, let rough = satellite.roughRangeMilliseconds { phaseRange = (rough + Double(v) * scale) * lightMs }
            lock = Int(f.u(l + (extended ? 10 : 4) * k, extended ? 10 : 4))
            lockTime = lockTimes[lock]
            halfCycleAmbiguity = f.u(h + k, 1) == 1
        }
        var cnrValue: Double?
        if let o = cnr {
            let v = f.u(o + (extended ? 10 : 6) * k, extended ? 10 : 6)
            cnrValue = v == 0 ? nil : (extended ? Double(v) * 0.0625 : Double(v))
        }
        var rate: Double?
        if let o = fineRate, let rough = satellite.roughRate {
            let v = f.int(o + 15 * k, 15)
            if v != -16384 { rate = rough + Double(v) * 0.0001 }
        }
        return MSMMessage.Cell(satellite: satellite.satellite, signal: signal, signalID: signalID, pseudorange: pseudorange,
                               phaseRange: phaseRange, phaseRangeRate: rate, lockTime: lockTime, lockIndicator: lock,
                               halfCycleAmbiguity: halfCycleAmbiguity, cnr: cnrValue)
    }
}

/// Big-endian bit fields of a buffer that holds at least eight bytes past the last field read, so each
/// read is one unaligned load. Only for offsets already checked against the message's length.
struct MSMFields {
    let base: UnsafeRawPointer

    init(_ base: UnsafeRawPointer) { self.base = base }

    @inline(__always)
    func u(_ bit: Int, _ width: Int) -> UInt64 {
        let word = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
        return (word << UInt64(bit & 7)) >> UInt64(64 - width)
    }

    /// Two's-complement field.
    @inline(__always)
    func int(_ bit: Int, _ width: Int) -> Int {
        Int(truncatingIfNeeded: Int64(bitPattern: u(bit, width) << UInt64(64 - width)) >> Int64(64 - width))
    }
}
