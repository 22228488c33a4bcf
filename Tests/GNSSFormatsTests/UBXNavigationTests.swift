import Foundation
import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// Navigation-message assembly from RXM-SFRBX words. The shared u-blox log carries no SFRBX, so pages are
/// built here from a broadcast ephemeris printed in a RINEX file, field by field at the ICD scale factors,
/// and the decoded ephemeris must give back the printed values to within one least significant bit.
@Suite struct UBXNavigationTests {
    /// CRC-24Q check value of "123456789" is 0xCDE703 (CRC catalogue, CRC-24/LTE-A).
    @Test func crc24QCheckValue() {
        #expect(CRC24Q.checksum(Array("123456789".utf8)) == 0xCD_E703)
    }

    /// A u-blox SFRBX Galileo page pair (8 words) around a 128-bit I/NAV word: even half 0–119, odd half 128–247.
    static func pagePair(_ word: [UInt8]) -> [UInt32] {
        var r = BitReader(word)
        var crcIn = BitWriter()
        var even = BitWriter(), odd = BitWriter()
        let first = (try? r.u(56)) ?? 0, second = (try? r.u(56)) ?? 0, last = (try? r.u(16)) ?? 0
        even.u(0, 1); even.u(0, 1); even.u(first, 56); even.u(second, 56)
        odd.u(1, 1); odd.u(0, 1); odd.u(last, 16); odd.u(0, 40 + 22 + 2)
        crcIn.u(0, 4); crcIn.u(0, 2); crcIn.u(first, 56); crcIn.u(second, 56)
        crcIn.u(2, 2); crcIn.u(last, 16); crcIn.u(0, 64)
        let crc = CRC24Q.checksum(crcIn.bytes)
        var all = BitWriter()
        all.u(0, 2); all.u(first, 56); all.u(second, 56); all.u(0, 6)   // even: flags, data, tail
        all.u(0, 8)                                                     // pad to bit 128
        all.u(2, 2); all.u(last, 16); all.u(0, 64); all.u(UInt64(crc), 24); all.u(0, 8); all.u(0, 6); all.u(0, 8)
        let b = all.bytes
        return (0..<8).map { i in UInt32(b[4 * i]) << 24 | UInt32(b[4 * i + 1]) << 16 | UInt32(b[4 * i + 2]) << 8 | UInt32(b[4 * i + 3]) }
    }

    static func q(_ x: Double, _ scale: Double) -> Int { Int((x / scale).rounded()) }

    // galileo3.15n (../shared/data/rinex-edge), E12 2015-06-19 02:10:00: af0 -.138392508961D-02, af1 -.131464616970D-09, af2 0,
    // IODnav 93, Crs -165.53125, Δn .285797618904D-08, M0 1.38275888459, Cuc -.782497227192D-05, e .346679124050D-03,
    // Cus .114385038614D-04, sqrtA 5440.62509727, toe 439800, Cic .298023223877D-07, Ω0 -2.96185101312,
    // Cis -.111758708954D-07, i0 .965683294025, Crc 99.375, ω -.629360976005, Ω̇ -.541593988135D-08,
    // IDOT -.571452374714D-10, data sources 516, week 1849, SISA 3.12 m, health 0, BGD E5a -.651925802231D-08, E5b -.605359673500D-08.
    @Test func galileoINAVFromRINEXValues() throws {
        let pi = Constants.semicircle
        let (toe, iod, week) = (439_800.0, 93, 1849)
        var w1 = BitWriter(); w1.uint(1, 6); w1.uint(iod, 10); w1.uint(Int(toe / 60), 14)
        w1.int(Self.q(1.38275888459 / pi, 0x1p-31), 32); w1.uint(Self.q(0.346679124050e-3, 0x1p-33), 32)
        w1.uint(Self.q(5440.62509727, 0x1p-19), 32); w1.uint(0, 2)
        var w2 = BitWriter(); w2.uint(2, 6); w2.uint(iod, 10)
        w2.int(Self.q(-2.96185101312 / pi, 0x1p-31), 32); w2.int(Self.q(0.965683294025 / pi, 0x1p-31), 32)
        w2.int(Self.q(-0.629360976005 / pi, 0x1p-31), 32); w2.int(Self.q(-0.571452374714e-10 / pi, 0x1p-43), 14); w2.uint(0, 2)
        var w3 = BitWriter(); w3.uint(3, 6); w3.uint(iod, 10)
        w3.int(Self.q(-0.541593988135e-8 / pi, 0x1p-43), 24); w3.int(Self.q(0.285797618904e-8 / pi, 0x1p-43), 16)
        w3.int(Self.q(-0.782497227192e-5, 0x1p-29), 16); w3.int(Self.q(0.114385038614e-4, 0x1p-29), 16)
        w3.int(Self.q(99.375, 0x1p-5), 16); w3.int(Self.q(-165.53125, 0x1p-5), 16)
        w3.uint(107, 8)   // SISA 3.12 m = 2 m + 7 × 0.16 m: index 107 (OS SIS ICD table 89)
        var w4 = BitWriter(); w4.uint(4, 6); w4.uint(iod, 10); w4.uint(12, 6)
        w4.int(Self.q(0.298023223877e-7, 0x1p-29), 16); w4.int(Self.q(-0.111758708954e-7, 0x1p-29), 16); w4.uint(Int(toe / 60), 14)
        w4.int(Self.q(-0.138392508961e-2, 0x1p-34), 31); w4.int(Self.q(-0.131464616970e-9, 0x1p-46), 21); w4.int(0, 6); w4.uint(0, 2)
        var w5 = BitWriter(); w5.uint(5, 6); w5.uint(0, 11 + 11 + 14 + 5)
        w5.int(Self.q(-0.651925802231e-8, 0x1p-32), 10); w5.int(Self.q(-0.605359673500e-8, 0x1p-32), 10)
        w5.uint(0, 2 + 2 + 1 + 1); w5.uint(week - 1024, 12); w5.uint(440_734 - 1, 20); w5.uint(0, 23)
        let sat = SatelliteID(.galileo, 12)
        var asm = INAVAssembler()
        var result: KeplerEphemeris?
        for w in [w5, w2, w3, w1, w4] {   // any order; the last completes the set
            result = asm.add(satellite: sat, dwords: Self.pagePair(w.bytes), signal: 5) ?? result
        }
        let e = try #require(result)
        #expect(e.iode == 93)
        #expect(e.toeSeconds == 439_800)
        #expect(e.week == 1849)   // RINEX week (GPS-continuous); broadcast GST WN 825
        #expect(e.accuracyIndex == 107)
        #expect(e.health == 0)
        #expect(e.dataSources == 516)
        #expect(abs(e.sqrtA - 5440.62509727) < 0x1p-19)
        #expect(abs(e.eccentricity - 0.346679124050e-3) < 0x1p-33)
        #expect(abs(e.meanAnomaly - 1.38275888459) < 0x1p-31 * pi)
        #expect(abs(e.rightAscension - -2.96185101312) < 0x1p-31 * pi)
        #expect(abs(e.inclination - 0.965683294025) < 0x1p-31 * pi)
        #expect(abs(e.argumentOfPerigee - -0.629360976005) < 0x1p-31 * pi)
        #expect(abs(e.rightAscensionRate - -0.541593988135e-8) < 0x1p-43 * pi)
        #expect(abs(e.meanMotionDifference - 0.285797618904e-8) < 0x1p-43 * pi)
        #expect(abs(e.inclinationRate - -0.571452374714e-10) < 0x1p-43 * pi)
        #expect(abs(e.crs - -165.53125) < 1e-12)
        #expect(abs(e.crc - 99.375) < 1e-12)
        #expect(abs(e.cuc - -0.782497227192e-5) < 0x1p-29)
        #expect(abs(e.cis - -0.111758708954e-7) < 0x1p-29)
        #expect(abs(e.af0 - -0.138392508961e-2) < 0x1p-34)
        #expect(abs(e.af1 - -0.131464616970e-9) < 0x1p-46)
        #expect(abs(e.groupDelays[0] - -0.651925802231e-8) < 0x1p-32)
        #expect(abs(e.groupDelays[1] - -0.605359673500e-8) < 0x1p-32)
        let c = e.toc.gpsCalendar   // 2015-06-19 02:10:00 GST (GST = GPS time scale)
        #expect(c.year == 2015 && c.month == 6 && c.day == 19 && c.hour == 2 && c.minute == 10)

        // The same words again: nothing new. A damaged page (CRC fails): ignored.
        #expect(asm.add(satellite: sat, dwords: Self.pagePair(w1.bytes), signal: 5) == nil)
        var bad = Self.pagePair(w3.bytes)
        bad[2] ^= 0x0000_0100
        #expect(INAVAssembler.word(bad) == nil)
        #expect(INAVAssembler.word(Self.pagePair(w3.bytes)) == w3.bytes)
    }

    /// Ten SFRBX words around 240 data bits (u-blox: 30-bit words in bits 29–0, data in 29–6; parity left zero here).
    static func lnavWords(subframe id: Int, _ body: BitWriter) -> [UInt32] {
        var w = BitWriter()
        w.uint(0x8B, 8); w.uint(0, 16)                   // TLM: preamble, message, flags
        w.uint(1000, 17); w.uint(0, 2); w.uint(id, 3); w.uint(0, 2)   // HOW: TOW count, flags, subframe ID
        let b = body.bytes
        var r = BitReader(b)
        for _ in 0..<(192 / 8) { w.uint((try? r.uint(8)) ?? 0, 8) }
        let bytes = w.bytes
        var words: [UInt32] = []
        for i in 0..<10 {
            let hi = UInt32(bytes[3 * i]) << 16, mid = UInt32(bytes[3 * i + 1]) << 8, lo = UInt32(bytes[3 * i + 2])
            words.append((hi | mid | lo) << 6)
        }
        return words
    }

    // BRDM00DLR_R_20130010000_01D_MN.rnx (../shared/data/rinex-edge), G01 2013-01-01 02:00:00: af0 2.907030284405e-04,
    // af1 2.160049916711e-12, af2 0, IODE 33, Crs 22.90625, Δn 4.421612749348e-09, M0 2.544287066855, Cuc 1.270323991776e-06,
    // e 1.527787651867e-03, Cus 9.326264262199e-06, sqrtA 5153.710906982, toe 180000, Cic -7.450580596924e-09,
    // Ω0 1.166498004638, Cis -3.539025783539e-08, i0 0.9598596219603, Crc 199.125, ω 0.5024212716341, Ω̇ -7.934616222900e-09,
    // IDOT 4.850202030383e-10, week 1721, health 0, TGD 8.381903171539e-09, IODC 33.
    // BRDC00IGS_R_20201360000_01D_MN.rnx header: GPSA 7.4506e-09 2.2352e-08 -5.9605e-08 -1.1921e-07,
    // GPSB 8.6016e+04 8.1920e+04 -1.3107e+05 -5.2429e+05.
    @Test func gpsLNAVFromRINEXValues() throws {
        let pi = Constants.semicircle
        var s1 = BitWriter()
        s1.uint(1721 % 1024, 10); s1.uint(1, 2); s1.uint(0, 4); s1.uint(0, 6); s1.uint(0, 2)   // WN, L2 codes, URA, health, IODC MSBs
        s1.uint(0, 24 + 24 + 24 + 16)                                                            // L2P flag and reserved words
        s1.int(Self.q(8.381903171539e-9, 0x1p-31), 8); s1.uint(33, 8); s1.uint(180_000 / 16, 16)   // toc: Tuesday 02:00 = 180000 s of week
        s1.int(0, 8); s1.int(Self.q(2.160049916711e-12, 0x1p-43), 16); s1.int(Self.q(2.907030284405e-4, 0x1p-31), 22); s1.uint(0, 2)
        var s2 = BitWriter()
        s2.uint(33, 8); s2.int(Self.q(22.90625, 0x1p-5), 16); s2.int(Self.q(4.421612749348e-9 / pi, 0x1p-43), 16)
        s2.int(Self.q(2.544287066855 / pi, 0x1p-31), 32); s2.int(Self.q(1.270323991776e-6, 0x1p-29), 16)
        s2.uint(Self.q(1.527787651867e-3, 0x1p-33), 32); s2.int(Self.q(9.326264262199e-6, 0x1p-29), 16)
        s2.uint(Self.q(5153.710906982, 0x1p-19), 32); s2.uint(180_000 / 16, 16); s2.uint(0, 1); s2.uint(0, 5); s2.uint(0, 2)
        var s3 = BitWriter()
        s3.int(Self.q(-7.450580596924e-9, 0x1p-29), 16); s3.int(Self.q(1.166498004638 / pi, 0x1p-31), 32)
        s3.int(Self.q(-3.539025783539e-8, 0x1p-29), 16); s3.int(Self.q(0.9598596219603 / pi, 0x1p-31), 32)
        s3.int(Self.q(199.125, 0x1p-5), 16); s3.int(Self.q(0.5024212716341 / pi, 0x1p-31), 32)
        s3.int(Self.q(-7.934616222900e-9 / pi, 0x1p-43), 24); s3.uint(33, 8); s3.int(Self.q(4.850202030383e-10 / pi, 0x1p-43), 14); s3.uint(0, 2)
        var s4 = BitWriter()
        s4.uint(1, 2); s4.uint(56, 6)
        for v in [8, 3, -1, -2, 42, 5, -2, -8] { s4.int(v, 8) }   // α in 2⁻³⁰, 2⁻²⁷, 2⁻²⁴, 2⁻²⁴; β in 2¹¹, 2¹⁴, 2¹⁶, 2¹⁶
        s4.uint(0, 192 - 72)

        let sat = SatelliteID(.gps, 1)
        let near = GNSSTime(gpsWeek: 1721, secondOfWeek: 172_800)
        var asm = LNAVAssembler()
        #expect(asm.add(satellite: sat, words: Self.lnavWords(subframe: 4, s4), near: near) == nil)
        #expect(asm.add(satellite: sat, words: Self.lnavWords(subframe: 3, s3), near: near) == nil)
        // Bits 31–30 carry nothing (u-blox interface description); set them to show they are ignored.
        #expect(asm.add(satellite: sat, words: Self.lnavWords(subframe: 1, s1).map { $0 | 0xC000_0000 }, near: near) == nil)
        let completed = asm.add(satellite: sat, words: Self.lnavWords(subframe: 2, s2), near: near)
        let e = try #require(completed)
        #expect(e.week == 1721)
        #expect(e.toeSeconds == 180_000)
        #expect(e.iode == 33)
        #expect(e.iodc == 33)
        #expect(e.health == 0)
        #expect(e.fitInterval == 4)
        #expect(abs(e.sqrtA - 5153.710906982) < 0x1p-19)
        #expect(abs(e.eccentricity - 1.527787651867e-3) < 0x1p-33)
        #expect(abs(e.meanAnomaly - 2.544287066855) < 0x1p-31 * pi)
        #expect(abs(e.rightAscension - 1.166498004638) < 0x1p-31 * pi)
        #expect(abs(e.inclination - 0.9598596219603) < 0x1p-31 * pi)
        #expect(abs(e.argumentOfPerigee - 0.5024212716341) < 0x1p-31 * pi)
        #expect(abs(e.rightAscensionRate - -7.934616222900e-9) < 0x1p-43 * pi)
        #expect(abs(e.inclinationRate - 4.850202030383e-10) < 0x1p-43 * pi)
        #expect(abs(e.meanMotionDifference - 4.421612749348e-9) < 0x1p-43 * pi)
        #expect(abs(e.crs - 22.90625) < 1e-12)
        #expect(abs(e.crc - 199.125) < 1e-12)
        #expect(abs(e.cic - -7.450580596924e-9) < 0x1p-29)
        #expect(abs(e.af0 - 2.907030284405e-4) < 0x1p-31)
        #expect(abs(e.af1 - 2.160049916711e-12) < 0x1p-43)
        #expect(abs(e.groupDelays[0] - 8.381903171539e-9) < 0x1p-31)
        let toc = e.toc.gpsCalendar
        #expect(toc.year == 2013 && toc.month == 1 && toc.day == 1 && toc.hour == 2)
        let k = try #require(asm.klobuchar)
        let alpha = [7.4506e-09, 2.2352e-08, -5.9605e-08, -1.1921e-07], beta = [8.6016e+04, 8.1920e+04, -1.3107e+05, -5.2429e+05]
        #expect(zip(k.alpha, alpha).allSatisfy { abs($0 - $1) <= abs($1) * 1e-4 })
        #expect(zip(k.beta, beta).allSatisfy { abs($0 - $1) <= abs($1) * 1e-4 })
        // A word with a different IODE in subframe 3: no ephemeris from a mixed set.
        var asm2 = LNAVAssembler()
        _ = asm2.add(satellite: sat, words: Self.lnavWords(subframe: 1, s1), near: near)
        _ = asm2.add(satellite: sat, words: Self.lnavWords(subframe: 2, s2), near: near)
        #expect(asm2.add(satellite: sat, words: Self.lnavWords(subframe: 3, BitWriter()), near: near) == nil)
    }

    /// Ten SFRBX words around a D1 subframe's 224 data bits (26 in word 1, 22 in each later word; parity left zero).
    static func d1Words(subframe id: Int, sow: Int, _ body: BitWriter) -> [UInt32] {
        var w = BitWriter()
        w.uint(0x712, 11); w.uint(0, 4); w.uint(id, 3); w.uint(sow, 20)
        var r = BitReader(body.bytes)
        for _ in 0..<186 { w.uint((try? r.uint(1)) ?? 0, 1) }
        var d = BitReader(w.bytes)
        var words: [UInt32] = []
        let first = UInt32((try? d.uint(26)) ?? 0) << 4
        words.append(first)
        for _ in 1..<10 {
            let v = UInt32((try? d.uint(22)) ?? 0) << 8
            words.append(v)
        }
        return words
    }

    // ESBC00DNK_R_20201770000_01D_MN.rnx.gz (../shared/data/ppp-esbc-2020177), C10 (IGSO, D1) 2020-06-24 22:00:00 BDT:
    // af0 -2.536323154345e-04, af1 9.809930645588e-12, af2 0, AODE 1, Crs 203.5625, Δn 9.211097964917e-10,
    // M0 -3.009767559163, Cuc 6.750226020813e-06, e 6.817438057624e-03, Cus 2.287048846483e-05, sqrtA 6492.979768753,
    // toe 338400, Cic -1.788139343262e-07, Ω0 0.4917961927140, Cis 2.160668373108e-07, i0 0.9005444424907,
    // Crc -474.53125, ω -2.592910551966, Ω̇ -1.732929326319e-09, IDOT -6.189543533618e-10, BDT week 755,
    // accuracy 2.0 m, SatH1 0, TGD1 6.2e-09, TGD2 2.6e-09, transmission 338418, AODC 0.
    // ESBC00DNK_R_20201770000_01D_MN.rnx.gz, C05 (GEO, D2) 2020-06-24 22:00:00 BDT: af0 -5.154609680176e-04,
    // af1 -6.708145150469e-11, af2 0, AODE 1, Crs -414.296875, Δn -3.141559429989e-09, M0 -1.101749161212,
    // Cuc -1.366203650832e-05, e 3.830116475001e-04, Cus -1.177610829473e-05, sqrtA 6493.378950119, toe 338400,
    // Cic -6.146728992462e-08, Ω0 2.697580724014, Cis 6.146728992462e-08, i0 0.1136268367853, Crc 354.984375,
    // ω -1.027125663175, Ω̇ 4.100527946305e-09, IDOT 3.321566928024e-10, week 755, TGD1 1.0e-10, TGD2 -9.3e-09.
    // Laid out in subframe 1 pages as the BDS ICD places them (page number at bit 38, fields from bit 42).
    @Test func beidouD2FromRINEXValues() throws {
        let pi = Constants.semicircle
        let toe = 338_400 / 8
        func split(_ v: Int, lowBits: Int) -> (Int, Int) { (v >> lowBits, v & ((1 << lowBits) - 1)) }
        let af1 = split(Self.q(-6.708145150469e-11, 0x1p-50), lowBits: 18)
        let cuc = split(Self.q(-1.366203650832e-05, 0x1p-31), lowBits: 4)
        let e = split(Self.q(3.830116475001e-04, 0x1p-33), lowBits: 22)
        let cic = split(Self.q(-6.146728992462e-08, 0x1p-31), lowBits: 8)
        let i0 = split(Self.q(0.1136268367853 / pi, 0x1p-31), lowBits: 11)
        let omegaDot = split(Self.q(4.100527946305e-09 / pi, 0x1p-43), lowBits: 5)
        let omega = split(Self.q(-1.027125663175 / pi, 0x1p-31), lowBits: 5)
        var bodies: [Int: BitWriter] = [:]
        func page(_ n: Int, _ fill: (inout BitWriter) -> Void, reserved: Int = 0) {
            var w = BitWriter()
            w.uint(n, 4)
            w.uint(0, reserved)
            fill(&w)
            bodies[n] = w
        }
        page(1) { w in w.uint(0, 1); w.uint(0, 5); w.uint(2, 4); w.uint(755, 13); w.uint(toe, 17); w.int(1, 10); w.int(-93, 10) }
        page(2) { w in w.uint(0, 64) }
        page(3, { w in w.int(Self.q(-5.154609680176e-04, 0x1p-33), 24); w.int(af1.0, 4) }, reserved: 38)
        page(4) { w in w.uint(af1.1, 18); w.int(0, 11); w.uint(1, 5); w.int(Self.q(-3.141559429989e-09 / pi, 0x1p-43), 16); w.int(cuc.0, 14) }
        page(5) { w in
            w.uint(cuc.1, 4); w.int(Self.q(-1.101749161212 / pi, 0x1p-31), 32); w.int(Self.q(-1.177610829473e-05, 0x1p-31), 18); w.uint(e.0, 10)
        }
        page(6) { w in w.uint(e.1, 22); w.uint(Self.q(6493.378950119, 0x1p-19), 32); w.int(cic.0, 10) }
        page(7) { w in w.uint(cic.1, 8); w.int(Self.q(6.146728992462e-08, 0x1p-31), 18); w.uint(toe, 17); w.int(i0.0, 21) }
        page(8) { w in w.uint(i0.1, 11); w.int(Self.q(354.984375, 0x1p-6), 18); w.int(Self.q(-414.296875, 0x1p-6), 18); w.int(omegaDot.0, 19) }
        page(9) { w in w.uint(omegaDot.1, 5); w.int(Self.q(2.697580724014 / pi, 0x1p-31), 32); w.int(omega.0, 27) }
        page(10) { w in w.uint(omega.1, 5); w.int(Self.q(3.321566928024e-10 / pi, 0x1p-43), 14) }
        let sat = SatelliteID(.beidou, 5)
        var asm = BeiDouD2Assembler()
        var result: KeplerEphemeris?
        let sow: [Int: Int] = [1: 338_400, 2: 338_403, 3: 338_406, 4: 338_409, 5: 338_412, 6: 338_415, 7: 338_418, 8: 338_421, 9: 338_424, 10: 338_427]
        for n in 1...10 {
            let words = Self.d1Words(subframe: 1, sow: sow[n]!, bodies[n]!)
            if let e = asm.add(satellite: sat, words: words) { result = e }
        }
        let k = try #require(result)
        #expect(k.message == .d2 && k.iode == 1 && k.accuracyIndex == 2 && k.toeSeconds == 338_400 && k.week == 755 + 1356)
        #expect(abs(k.af0 - -5.154609680176e-04) < 0x1p-33 && abs(k.af1 - -6.708145150469e-11) < 0x1p-50)
        #expect(abs(k.sqrtA - 6493.378950119) < 0x1p-19 && abs(k.eccentricity - 3.830116475001e-04) < 0x1p-33)
        #expect(abs(k.cuc - -1.366203650832e-05) < 0x1p-31 && abs(k.cic - -6.146728992462e-08) < 0x1p-31)
        #expect(abs(k.inclination - 0.1136268367853) < 0x1p-31 * pi && abs(k.argumentOfPerigee - -1.027125663175) < 0x1p-31 * pi)
        #expect(abs(k.rightAscensionRate - 4.100527946305e-09) < 0x1p-43 * pi && abs(k.rightAscension - 2.697580724014) < 0x1p-31 * pi)
        #expect(abs(k.meanAnomaly - -1.101749161212) < 0x1p-31 * pi && abs(k.inclinationRate - 3.321566928024e-10) < 0x1p-43 * pi)
        #expect(abs(k.crs - -414.296875) < 1e-12 && abs(k.crc - 354.984375) < 1e-12 && abs(k.cis - 6.146728992462e-08) < 0x1p-31)
        #expect(abs(k.groupDelays[0] - 1e-10) < 1e-15 && abs(k.groupDelays[1] - -9.3e-09) < 1e-15)
        // The D1 assembler leaves GEO satellites alone; a page from another frame breaks the set.
        var d1 = BeiDouD1Assembler()
        #expect(d1.add(satellite: sat, words: Self.d1Words(subframe: 1, sow: 338_400, bodies[1]!)) == nil)
        var mixed = BeiDouD2Assembler()
        for n in 1...10 { _ = mixed.add(satellite: sat, words: Self.d1Words(subframe: 1, sow: sow[n]! + (n == 7 ? 30 : 0), bodies[n]!)) }
        #expect(mixed.add(satellite: sat, words: Self.d1Words(subframe: 1, sow: sow[10]!, bodies[10]!)) == nil)
    }

    @Test func beidouD1FromRINEXValues() throws {
        let pi = Constants.semicircle
        var s1 = BitWriter()
        s1.uint(0, 1); s1.uint(0, 5); s1.uint(0, 4); s1.uint(755, 13); s1.uint(338_400 / 8, 17)
        s1.int(62, 10); s1.int(26, 10)                 // TGD1, TGD2 in 0.1 ns
        s1.uint(0, 64)                                  // Klobuchar
        s1.int(0, 11); s1.int(Self.q(-2.536323154345e-4, 0x1p-33), 24); s1.int(Self.q(9.809930645588e-12, 0x1p-50), 22); s1.uint(1, 5)
        var s2 = BitWriter()
        s2.int(Self.q(9.211097964917e-10 / pi, 0x1p-43), 16); s2.int(Self.q(6.750226020813e-6, 0x1p-31), 18)
        s2.int(Self.q(-3.009767559163 / pi, 0x1p-31), 32); s2.uint(Self.q(6.817438057624e-3, 0x1p-33), 32)
        s2.int(Self.q(2.287048846483e-5, 0x1p-31), 18); s2.int(Self.q(-474.53125, 0x1p-6), 18); s2.int(Self.q(203.5625, 0x1p-6), 18)
        s2.uint(Self.q(6492.979768753, 0x1p-19), 32); s2.uint((338_400 / 8) >> 15, 2)
        var s3 = BitWriter()
        s3.uint((338_400 / 8) & 0x7FFF, 15); s3.int(Self.q(0.9005444424907 / pi, 0x1p-31), 32); s3.int(Self.q(-1.788139343262e-7, 0x1p-31), 18)
        s3.int(Self.q(-1.732929326319e-9 / pi, 0x1p-43), 24); s3.int(Self.q(2.160668373108e-7, 0x1p-31), 18)
        s3.int(Self.q(-6.189543533618e-10 / pi, 0x1p-43), 14); s3.int(Self.q(0.4917961927140 / pi, 0x1p-31), 32)
        s3.int(Self.q(-2.592910551966 / pi, 0x1p-31), 32); s3.uint(0, 1)
        let sat = SatelliteID(.beidou, 10)
        var asm = BeiDouD1Assembler()
        #expect(asm.add(satellite: sat, words: Self.d1Words(subframe: 1, sow: 338_418, s1)) == nil)
        #expect(asm.add(satellite: sat, words: Self.d1Words(subframe: 2, sow: 338_424, s2)) == nil)
        let done = asm.add(satellite: sat, words: Self.d1Words(subframe: 3, sow: 338_430, s3))
        let e = try #require(done)
        #expect(e.message == .d1)
        #expect(e.iode == 1)
        #expect(e.iodc == 0)
        #expect(e.toeSeconds == 338_400)
        #expect(e.week == 755 + 1356)
        #expect(abs(e.sqrtA - 6492.979768753) < 0x1p-19)
        #expect(abs(e.eccentricity - 6.817438057624e-3) < 0x1p-33)
        #expect(abs(e.meanAnomaly - -3.009767559163) < 0x1p-31 * pi)
        #expect(abs(e.rightAscension - 0.4917961927140) < 0x1p-31 * pi)
        #expect(abs(e.inclination - 0.9005444424907) < 0x1p-31 * pi)
        #expect(abs(e.argumentOfPerigee - -2.592910551966) < 0x1p-31 * pi)
        #expect(abs(e.rightAscensionRate - -1.732929326319e-9) < 0x1p-43 * pi)
        #expect(abs(e.inclinationRate - -6.189543533618e-10) < 0x1p-43 * pi)
        #expect(abs(e.crs - 203.5625) < 1e-12)
        #expect(abs(e.crc - -474.53125) < 1e-12)
        #expect(abs(e.cis - 2.160668373108e-7) < 0x1p-31)
        #expect(abs(e.af0 - -2.536323154345e-4) < 0x1p-33)
        #expect(abs(e.af1 - 9.809930645588e-12) < 0x1p-50)
        #expect(abs(e.groupDelays[0] - 6.2e-9) < 1e-15)
        #expect(abs(e.groupDelays[1] - 2.6e-9) < 1e-15)
        // toe 2020-06-24 22:00:00 BDT is 22:00:14 GPS time.
        let toe = e.toe.gpsCalendar
        #expect(toe.day == 24 && toe.hour == 22 && toe.minute == 0 && abs(toe.second - 14) < 1e-9)
        // The next frame repeats the same ephemeris: not reported again. A GEO satellite (C01) is not D1.
        _ = asm.add(satellite: sat, words: Self.d1Words(subframe: 1, sow: 338_448, s1))
        _ = asm.add(satellite: sat, words: Self.d1Words(subframe: 2, sow: 338_454, s2))
        #expect(asm.add(satellite: sat, words: Self.d1Words(subframe: 3, sow: 338_460, s3)) == nil)
        #expect(asm.add(satellite: SatelliteID(.beidou, 1), words: Self.d1Words(subframe: 1, sow: 338_418, s1)) == nil)
    }

    /// Four SFRBX words around an 85-bit GLONASS string (idle bit, string number, 72 data bits; Hamming bits left zero).
    static func glonassWords(string m: Int, _ body: BitWriter) -> [UInt32] {
        var w = BitWriter()
        w.uint(0, 1); w.uint(m, 4)
        var r = BitReader(body.bytes)
        for _ in 0..<72 { w.uint((try? r.uint(1)) ?? 0, 1) }
        w.uint(0, 128 - 77)
        let b = w.bytes
        return (0..<4).map { i in UInt32(b[4 * i]) << 24 | UInt32(b[4 * i + 1]) << 16 | UInt32(b[4 * i + 2]) << 8 | UInt32(b[4 * i + 3]) }
    }

    // BRDM00DLR_R_20130010000_01D_MN.rnx (../shared/data/rinex-edge), R01 2013-01-01 00:15:00 UTC: -τn -1.750094816089e-04,
    // γn 0, tk 172800 (Tuesday 00:00:00 UTC = 03:00:00 Moscow), X 8450.493652344 km, Ẋ 1.381167411804 km/s, Ẍ 0, health 0,
    // Y -18744.71679688 km, Ẏ -1.543292045593 km/s, Ÿ 1.862645149231e-09 km/s², channel 1, Z 15109.79541016 km,
    // Ż -2.684219360352 km/s, Z̈ -9.313225746155e-10 km/s², age 0. tb = 03:15 Moscow / 15 min = 13.
    @Test func glonassStringsFromRINEXValues() throws {
        func sm(_ w: inout BitWriter, _ v: Double, _ scale: Double, _ bits: Int) { w.signMagnitude(Self.q(v, scale), bits) }
        var s1 = BitWriter()
        s1.uint(0, 2); s1.uint(0, 2); s1.uint(3, 5); s1.uint(0, 6); s1.uint(0, 1)
        sm(&s1, 1.381167411804, 0x1p-20, 24); sm(&s1, 0, 0x1p-30, 5); sm(&s1, 8450.493652344, 0x1p-11, 27)
        var s2 = BitWriter()
        s2.uint(0, 3); s2.uint(1, 1); s2.uint(13, 7); s2.uint(0, 5)
        sm(&s2, -1.543292045593, 0x1p-20, 24); sm(&s2, 1.862645149231e-9, 0x1p-30, 5); sm(&s2, -18744.71679688, 0x1p-11, 27)
        var s3 = BitWriter()
        s3.uint(0, 1); sm(&s3, 0, 0x1p-40, 11); s3.uint(0, 1); s3.uint(0, 2); s3.uint(0, 1)
        sm(&s3, -2.684219360352, 0x1p-20, 24); sm(&s3, -9.313225746155e-10, 0x1p-30, 5); sm(&s3, 15109.79541016, 0x1p-11, 27)
        var s4 = BitWriter()
        sm(&s4, 1.750094816089e-4, 0x1p-30, 22); sm(&s4, 0, 0x1p-30, 5); s4.uint(0, 5); s4.uint(0, 72 - 32)
        let sat = SatelliteID(.glonass, 1)
        // Received at 2013-01-01 00:14:30 UTC + 16 s = GPS 172 486 s of week 1721.
        let t0 = GNSSTime(gpsWeek: 1721, secondOfWeek: 172_800 - 900 + 30 + 16)
        var asm = GlonassAssembler()
        var result: GlonassEphemeris?
        for (i, s) in [s1, s2, s3, s4].enumerated() {
            result = asm.add(satellite: sat, frequencyChannel: 1, words: Self.glonassWords(string: i + 1, s), time: t0 + Double(2 * i)) ?? result
        }
        let e = try #require(result)
        #expect(e.tb == 13)
        #expect(e.frequencyChannel == 1)
        let toe = e.toe.utcCalendar
        #expect(toe.year == 2013 && toe.month == 1 && toe.day == 1 && toe.hour == 0 && toe.minute == 15 && abs(toe.second) < 1e-9)
        let tk = try #require(e.frameTime).utcCalendar
        #expect(tk.day == 1 && tk.hour == 0 && tk.minute == 0)
        #expect(abs(e.position.x - 8_450_493.652344) < 0x1p-11 * 1000)
        #expect(abs(e.position.y - -18_744_716.79688) < 0x1p-11 * 1000)
        #expect(abs(e.position.z - 15_109_795.41016) < 0x1p-11 * 1000)
        #expect(abs(e.velocity.x - 1381.167411804) < 0x1p-20 * 1000)
        #expect(abs(e.velocity.y - -1543.292045593) < 0x1p-20 * 1000)
        #expect(abs(e.velocity.z - -2684.219360352) < 0x1p-20 * 1000)
        #expect(abs(e.acceleration.y - 1.862645149231e-6) < 0x1p-30 * 1000)
        #expect(abs(e.acceleration.z - -9.313225746155e-7) < 0x1p-30 * 1000)
        #expect(abs(e.clockBias - -1.750094816089e-4) < 0x1p-30)
        #expect(e.relativeFrequencyBias == 0)
        #expect(e.health == 0)
    }
}
