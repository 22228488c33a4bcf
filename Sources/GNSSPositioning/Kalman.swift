import GNSSCore

/// The extended Kalman filter measurement update shared by the estimators.
enum Kalman {
    /// x ← x + K v, P ← (I − K H) P with K = P Hᵀ (H P Hᵀ + R)⁻¹.
    /// Returns false (and leaves the state alone) when the innovation covariance is singular.
    ///
    /// With S = H P Hᵀ + R = L Lᵀ (Cholesky) and Y = L⁻¹ H P: K v = Yᵀ L⁻¹ v and K H P = Yᵀ Y. H goes on the
    /// left of every product so that its zeros (most of a row: a measurement involves a few states) are skipped,
    /// and Yᵀ Y is formed for one triangle only.
    @discardableResult
    static func update(x: inout [Double], p: inout Matrix, h: Matrix, innovation v: [Double], r: Matrix) -> Bool {
        let n = x.count, m = v.count
        let hp = h * p
        var s = h * hp.transposed
        for i in 0..<s.storage.count { s.storage[i] += r.storage[i] }
        guard let l = s.cholesky() else { return false }
        // Y = L⁻¹ (H P) and z = L⁻¹ v by forward substitution.
        let y = l.lowerTriangularSolve(hp)
        var column = Matrix(rows: m, columns: 1)
        column.storage = v
        let z = l.lowerTriangularSolve(column).storage
        // x += Yᵀ z and P −= Yᵀ Y, one row of Y at a time (a rank-one update of the lower triangle each, along
        // contiguous rows), then the upper triangle mirrored. (Index arithmetic wraps: the sizes are a few tens, and
        // unchecked arithmetic lets the inner loops vectorise.)
        y.storage.withUnsafeBufferPointer { yb in
            x.withUnsafeMutableBufferPointer { xb in
                for i in 0..<m {
                    let row = i &* n, zi = z[i]
                    for a in 0..<n { xb[a] += yb[row &+ a] * zi }
                }
            }
            p.storage.withUnsafeMutableBufferPointer { pb in
                for i in 0..<m {
                    let row = i &* n
                    for a in 0..<n {
                        let ya = yb[row &+ a]
                        if ya == 0 { continue }
                        let pa = a &* n
                        for b in 0...a { pb[pa &+ b] -= ya * yb[row &+ b] }
                    }
                }
                for a in 0..<n { for b in 0..<a { pb[b &* n &+ a] = pb[a &* n &+ b] } }
            }
        }
        return true
    }

    /// Measurements in mutually uncorrelated blocks (R block-diagonal), one update per block: the batch update's
    /// result at the cost of factorising each block rather than all rows at once. Every block was linearised at the
    /// state on entry; its innovation is brought to the state the blocks before it left (v − H·Δx).
    /// Returns the number of rows used (a block whose innovation covariance is singular is left out).
    @discardableResult
    static func update(x: inout [Double], p: inout Matrix, blocks: [(h: Matrix, innovation: [Double], r: Matrix)]) -> Int {
        let linearisedAt = x
        var used = 0
        for block in blocks {
            var v = block.innovation
            block.h.storage.withUnsafeBufferPointer { h in
                let n = block.h.columns
                for i in 0..<v.count {
                    for j in 0..<n where h[i * n + j] != 0 { v[i] -= h[i * n + j] * (x[j] - linearisedAt[j]) }
                }
            }
            if update(x: &x, p: &p, h: block.h, innovation: v, r: block.r) { used += v.count }
        }
        return used
    }
}
