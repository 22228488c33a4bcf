import Foundation
import GNSSCore

/// Integer least-squares ambiguity resolution by the LAMBDA method:
/// decorrelation of the float ambiguities' covariance by integer Gauss
/// transformations and permutations, then a depth-first search of the
/// shrinking hyper-ellipsoid (the MLAMBDA variant of Chang, Yang and Zhou, 2005).
public enum Lambda {
    public struct Result: Sendable {
        /// The best `m` integer vectors, best first.
        public var candidates: [[Double]]
        /// Their squared residual norms (a − z)ᵀ Q⁻¹ (a − z), ascending.
        public var residuals: [Double]
        /// Ratio of second-best to best residual (the ratio test statistic).
        public var ratio: Double {
            residuals.count >= 2 && residuals[0] > 0 ? residuals[1] / residuals[0] : 0
        }
    }

    /// Resolves float ambiguities `a` with covariance `q` (n×n, symmetric positive definite).
    /// Returns nil when `q` is not positive definite or the search does not finish.
    public static func resolve(_ a: [Double], covariance q: Matrix, candidates m: Int = 2) -> Result? {
        let n = a.count
        guard n > 0, q.rows == n, q.columns == n, m >= 1 else { return nil }
        guard var (l, d) = factorLtDL(q) else { return nil }
        // The problem is the same for a less an integer vector, the candidates shifted by it: the search works on
        // a's fractions (float ambiguities are often millions of cycles), transformed along with the factors,
        // ẑ = Zᵀ (a − ⌊a⌉), without losing their digits.
        let whole = a.map { $0.rounded() }
        var zs = zip(a, whole).map { $0 - $1 }
        let steps = reduce(&l, &d, &zs)
        guard let (e, s) = search(l, d, zs, m) else { return nil }
        // Back to the original space: F = Z⁻ᵀ E + ⌊a⌉.
        let candidates = e.map { ez in zip(untransform(ez, steps), whole).map { $0 + $1 } }
        return Result(candidates: candidates, residuals: s)
    }

    /// One step of the reduction: an integer Gauss transformation (Z's column j less mu times its column i) or,
    /// with mu zero, the swap of ambiguities j and j + 1. Z is the product of the steps in order.
    struct Step {
        var i: Int32
        var j: Int32
        var mu: Double
    }

    /// Z⁻ᵀ v with Z the steps' product: each step's inverse transpose, the last first (a Gauss step adds mu vᵢ to
    /// vⱼ, a swap swaps); exact, the candidates and multipliers being integers.
    static func untransform(_ v: [Double], _ steps: [Step]) -> [Double] {
        var v = v
        for s in steps.reversed() {
            if s.mu == 0 { v.swapAt(Int(s.j), Int(s.j) + 1) } else { v[Int(s.j)] += s.mu * v[Int(s.i)] }
        }
        return v
    }

    /// Q = Lᵀ·diag(D)·L with L unit lower triangular.
    static func factorLtDL(_ q: Matrix) -> (Matrix, [Double])? {
        let n = q.rows
        var a = q
        var l = Matrix(rows: n, columns: n)
        var d = [Double](repeating: 0, count: n)
        let positive = a.storage.withUnsafeMutableBufferPointer { a in
            l.storage.withUnsafeMutableBufferPointer { l in
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let di = a[i &* n &+ i]
                    d[i] = di
                    guard di > 0, di.isFinite else { return false }
                    let root = di.squareRoot(), row = i &* n
                    for j in 0..<i &+ 1 { l[row &+ j] = a[row &+ j] / root }
                    for j in 0..<i {
                        let lij = l[row &+ j]
                        for k in 0..<j &+ 1 { a[j &* n &+ k] -= l[row &+ k] * lij }
                    }
                    let lii = l[row &+ i]
                    for j in 0..<i &+ 1 { l[row &+ j] /= lii }
                }
                return true
            }
        }
        return positive ? (l, d) : nil
    }

    /// Decorrelation (reduction) of the factorised covariance by integer Gauss transformations (Z ← Z·G) and
    /// permutations (Z ← Z·P), applied to the float ambiguities ẑ = Zᵀ a (ẑ ← Gᵀ ẑ, Pᵀ ẑ). Returns the steps, which
    /// take the candidates back (`untransform`): neither Z nor Z⁻¹ is formed.
    static func reduce(_ l: inout Matrix, _ d: inout [Double], _ zs: inout [Double]) -> [Step] {
        let n = l.rows
        guard n >= 2 else { return [] }
        var steps: [Step] = []
        l.storage.withUnsafeMutableBufferPointer { l in
            zs.withUnsafeMutableBufferPointer { zs in
                d.withUnsafeMutableBufferPointer { d in
                    let t = Transformations(n: n, l: l, d: d, zs: zs)
                    var j = n - 2, k = n - 2
                    var guardCount = 0
                    while j >= 0 && guardCount < 100_000 {
                        guardCount += 1
                        if j <= k {
                            for i in (j + 1)..<n {
                                let mu = t.gauss(i, j)
                                if mu != 0 { steps.append(Step(i: Int32(i), j: Int32(j), mu: mu)) }
                            }
                        }
                        let delta = d[j] + l[(j + 1) * n + j] * l[(j + 1) * n + j] * d[j + 1]
                        if delta + 1e-6 < d[j + 1] {
                            t.permute(j, delta)
                            steps.append(Step(i: Int32(j + 1), j: Int32(j), mu: 0))
                            k = j
                            j = n - 2
                        } else {
                            j -= 1
                        }
                    }
                }
            }
        }
        return steps
    }

    /// The reduction's two operations on row-major n×n buffers.
    private struct Transformations {
        let n: Int
        let l: UnsafeMutableBufferPointer<Double>
        let d: UnsafeMutableBufferPointer<Double>
        let zs: UnsafeMutableBufferPointer<Double>

        /// Integer Gauss transformation eliminating L[i, j]; returns its multiplier (zero: nothing to do).
        func gauss(_ i: Int, _ j: Int) -> Double {
            // Most entries round to zero: the test spares the rounding (a library call).
            guard abs(l[i * n + j]) >= 0.5 else { return 0 }
            let mu = l[i * n + j].rounded()
            for k in i..<n { l[k * n + j] -= mu * l[k * n + i] }
            zs[j] -= mu * zs[i]
            return mu
        }

        /// Swaps ambiguities j and j+1 and updates the factorisation.
        func permute(_ j: Int, _ delta: Double) {
            let eta = d[j] / delta
            let lambda = d[j + 1] * l[(j + 1) * n + j] / delta
            d[j] = eta * d[j + 1]
            d[j + 1] = delta
            for k in 0..<j {
                let a0 = l[j * n + k], a1 = l[(j + 1) * n + k]
                l[j * n + k] = -l[(j + 1) * n + j] * a0 + a1
                l[(j + 1) * n + k] = eta * a0 + lambda * a1
            }
            l[(j + 1) * n + j] = lambda
            for k in (j + 2)..<max(j + 2, n) { swap(l, k * n + j, k * n + j + 1) }
            swap(zs, j, j + 1)
        }

        @inline(__always)
        private func swap(_ buffer: UnsafeMutableBufferPointer<Double>, _ a: Int, _ b: Int) {
            (buffer[a], buffer[b]) = (buffer[b], buffer[a])
        }
    }

    /// Depth-first search for the `m` integer vectors nearest ẑ in the metric of L, D.
    static func search(_ l: Matrix, _ d: [Double], _ zs: [Double], _ m: Int) -> ([[Double]], [Double])? {
        let n = zs.count
        func sgn(_ x: Double) -> Double { x <= 0 ? -1 : 1 }
        var s = Matrix(rows: n, columns: n)
        var dist = [Double](repeating: 0, count: n)
        var zb = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n)
        var step = [Double](repeating: 0, count: n)
        var found: [[Double]] = []
        var norms: [Double] = []
        var worst = 0
        var maxDistance = Double.greatestFiniteMagnitude
        var k = n - 1
        zb[k] = zs[k]
        z[k] = zb[k].rounded()
        var y = zb[k] - z[k]
        step[k] = sgn(y)
        var loops = 0
        while loops < 10_000_000 {
            loops += 1
            let newDistance = dist[k] + y * y / d[k]
            if newDistance < maxDistance {
                if k != 0 {
                    k -= 1
                    dist[k] = newDistance
                    let offset = z[k + 1] - zb[k + 1]
                    s.storage.withUnsafeMutableBufferPointer { s in
                        l.storage.withUnsafeBufferPointer { l in
                            let row = k &* n, below = (k &+ 1) &* n
                            for i in 0..<k &+ 1 { s[row &+ i] = s[below &+ i] + offset * l[below &+ i] }
                        }
                    }
                    zb[k] = zs[k] + s[k, k]
                    z[k] = zb[k].rounded()
                    y = zb[k] - z[k]
                    step[k] = sgn(y)
                } else {
                    if found.count < m {
                        if found.isEmpty || newDistance > norms[worst] { worst = found.count }
                        found.append(z)
                        norms.append(newDistance)
                    } else {
                        if newDistance < norms[worst] {
                            found[worst] = z
                            norms[worst] = newDistance
                            worst = norms.indices.max { norms[$0] < norms[$1] } ?? 0
                        }
                        maxDistance = norms[worst]
                    }
                    z[0] += step[0]
                    y = zb[0] - z[0]
                    step[0] = -step[0] - sgn(step[0])
                }
            } else {
                if k == n - 1 { break }
                k += 1
                z[k] += step[k]
                y = zb[k] - z[k]
                step[k] = -step[k] - sgn(step[k])
            }
        }
        guard loops < 10_000_000, !found.isEmpty else { return nil }
        let order = norms.indices.sorted { norms[$0] < norms[$1] }
        return (order.map { found[$0] }, order.map { norms[$0] })
    }
}
