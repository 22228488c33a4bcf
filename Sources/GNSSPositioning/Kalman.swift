import GNSSCore

/// The extended Kalman filter measurement update shared by the estimators.
enum Kalman {
    /// x ← x + K v, P ← (I − K H) P with K = P Hᵀ (H P Hᵀ + R)⁻¹.
    /// Returns false (and leaves the state alone) when the innovation covariance is singular.
    @discardableResult
    static func update(x: inout [Double], p: inout Matrix, h: Matrix, innovation v: [Double], r: Matrix) -> Bool {
        let n = x.count
        let pht = p * h.transposed
        guard let sInv = (h * pht + r).inverseSPD() else { return false }
        let k = pht * sInv
        let dx = k * v
        for i in 0..<n { x[i] += dx[i] }
        // P − K·H·P, with H·P = (P·Hᵀ)ᵀ already at hand: no n³ product.
        p = p - k * pht.transposed
        // Keep P symmetric against rounding.
        for i in 0..<n {
            for j in 0..<i {
                let a = (p[i, j] + p[j, i]) / 2
                p[i, j] = a
                p[j, i] = a
            }
        }
        return true
    }
}
