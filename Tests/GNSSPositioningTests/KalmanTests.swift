import Testing
import TestSupport
import GNSSCore
@testable import GNSSPositioning

/// The measurement update x + K v, P − K H P with K = P Hᵀ (H P Hᵀ + R)⁻¹.
@Suite struct KalmanTests {
    static func randomSPD(_ n: Int, scale: Double, _ g: inout SeededGenerator) -> Matrix {
        var a = Matrix(rows: n, columns: n)
        for i in 0..<n { for j in 0..<n { a[i, j] = g.uniform() - 0.5 } }
        var m = a * a.transposed
        for i in 0..<n { m[i, i] += 0.1 }
        for i in 0..<m.storage.count { m.storage[i] *= scale }
        return m
    }

    /// Well-conditioned random filters (fewer measurements than states, sparse H, full or diagonal R): the same
    /// as the textbook form with a general inverse.
    @Test(arguments: [(28, 20, true), (28, 20, false), (12, 6, false)])
    func matchesTheTextbookForm(n: Int, m: Int, diagonalR: Bool) throws {
        var g = SeededGenerator(seed: UInt64(n * 1000 + m))
        for _ in 0..<20 {
            let p = Self.randomSPD(n, scale: 1, &g)
            var h = Matrix(rows: m, columns: n)
            for i in 0..<m {
                for j in 0..<n where j < 4 || g.uniform() < 0.15 { h[i, j] = g.uniform() * 2 - 1 }
            }
            var r = diagonalR ? Matrix.diagonal((0..<m).map { _ in 0.5 + g.uniform() }) : Self.randomSPD(m, scale: 1, &g)
            for i in 0..<m { r[i, i] += 0.5 }
            let v = (0..<m).map { _ in g.uniform() - 0.5 }
            let x0 = (0..<n).map { _ in g.uniform() * 10 }

            var x = x0, pk = p
            #expect(Kalman.update(x: &x, p: &pk, h: h, innovation: v, r: r))
            let pht = p * h.transposed
            var s = h * pht
            for i in 0..<s.storage.count { s.storage[i] += r.storage[i] }
            let k = pht * (try #require(s.inverse()))
            let dx = k * v
            let expected = p - k * (h * p)
            for i in 0..<n { #expect(abs(x[i] - (x0[i] + dx[i])) < 1e-12 * (1 + abs(x[i]))) }
            #expect(zip(pk.storage, expected.storage).allSatisfy { abs($0 - $1) < 1e-12 })
            for i in 0..<n { for j in 0..<i { #expect(pk[i, j] == pk[j, i]) } }
        }
    }

    /// The estimators' hard case: twice as many measurements as states (code and phase), a loose prior (30 m) and
    /// tight measurements (1 cm), where H P Hᵀ is singular and R alone keeps S invertible. Each state measured
    /// directly twice has the closed-form posterior 1/(1/p + 1/r₁ + 1/r₂) and the weighted mean of the three.
    /// Subtracting from 900 m² loses seven digits (measured: 2·10⁻⁹ relative); forming K = P Hᵀ S⁻¹ with S
    /// inverted first, as this update did before, lost far more (6·10⁻³ relative on the same case, in float64).
    @Test func tightMeasurementsOfALooseStateKeepTheirPrecision() {
        let n = 28, prior = 900.0
        var h = Matrix(rows: 2 * n, columns: n)
        for i in 0..<n { h[i, i] = 1; h[n + i, i] = 1 }
        let r1 = (0..<n).map { 1e-4 * (1 + Double($0) / 10) }, r2 = (0..<n).map { 2e-4 * (1 + Double($0) / 7) }
        let z = (0..<2 * n).map { Double($0 % 5) * 0.01 }
        var x = [Double](repeating: 0, count: n)
        var p = Matrix.diagonal([Double](repeating: prior, count: n))
        #expect(Kalman.update(x: &x, p: &p, h: h, innovation: z, r: Matrix.diagonal(r1 + r2)))
        for i in 0..<n {
            let variance = 1 / (1 / prior + 1 / r1[i] + 1 / r2[i])
            let mean = variance * (z[i] / r1[i] + z[n + i] / r2[i])
            #expect(abs(p[i, i] - variance) < 1e-8 * variance, "state \(i): \(p[i, i]) against \(variance)")
            #expect(abs(x[i] - mean) < 1e-9)
            for j in 0..<i { #expect(abs(p[i, j]) < 1e-12) }
        }
    }

    /// Uncorrelated blocks updated one after the other give the batch update with the block-diagonal R: the same
    /// state and covariance to 10⁻¹⁰, each block's innovation carried to the state the ones before it left.
    @Test func blocksOneAfterTheOtherMatchTheBatch() {
        var g = SeededGenerator(seed: 77)
        let n = 20, sizes = [5, 1, 7, 4]
        let p = Self.randomSPD(n, scale: 2, &g)
        let x0 = (0..<n).map { _ in g.uniform() * 10 }
        var blocks: [(h: Kalman.SparseRows, innovation: [Double], r: Matrix)] = []
        let m = sizes.reduce(0, +)
        var h = Matrix(rows: m, columns: n), r = Matrix(rows: m, columns: m), v: [Double] = []
        var row = 0
        for size in sizes {
            var hb = Matrix(rows: size, columns: n)
            for i in 0..<size {
                for j in 0..<n where j < 3 || g.uniform() < 0.2 { hb[i, j] = g.uniform() * 2 - 1; h[row + i, j] = hb[i, j] }
            }
            var rb = Self.randomSPD(size, scale: 0.5, &g)
            for i in 0..<size { rb[i, i] += 0.2 }
            for i in 0..<size { for k in 0..<size { r[row + i, row + k] = rb[i, k] } }
            let vb = (0..<size).map { _ in g.uniform() - 0.5 }
            v += vb
            blocks.append((Kalman.SparseRows(hb), vb, rb))
            row += size
        }
        var xBatch = x0, pBatch = p
        #expect(Kalman.update(x: &xBatch, p: &pBatch, h: h, innovation: v, r: r))
        var xBlocks = x0, pBlocks = p
        #expect(Kalman.update(x: &xBlocks, p: &pBlocks, blocks: blocks) == m)
        for i in 0..<n { #expect(abs(xBlocks[i] - xBatch[i]) < 1e-10 * (1 + abs(xBatch[i]))) }
        #expect(zip(pBlocks.storage, pBatch.storage).allSatisfy { abs($0 - $1) < 1e-10 })
    }
}
