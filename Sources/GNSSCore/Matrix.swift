/// A small dense matrix (row-major) for the estimators: least squares,
/// Kalman filters, LAMBDA. Sizes are tens, not thousands.
public struct Matrix: Sendable, Hashable, CustomStringConvertible {
    public private(set) var rows: Int
    public private(set) var columns: Int
    public var storage: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        self.storage = [Double](repeating: value, count: rows * columns)
    }

    /// From rows of values (all the same length).
    public init(_ rowValues: [[Double]]) {
        rows = rowValues.count
        columns = rowValues.first?.count ?? 0
        storage = rowValues.flatMap { $0 }
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    public static func diagonal(_ d: [Double]) -> Matrix {
        var m = Matrix(rows: d.count, columns: d.count)
        for (i, v) in d.enumerated() { m[i, i] = v }
        return m
    }

    @inlinable
    public subscript(r: Int, c: Int) -> Double {
        get { storage[r * columns + c] }
        set { storage[r * columns + c] = newValue }
    }

    /// A square matrix made of the rows and columns `indices` of this one (a square matrix);
    /// an index of −1 gives a zero row and column. Filters use it to add and drop states.
    public func reindexed(_ indices: [Int]) -> Matrix {
        let (count, n) = (indices.count, columns)
        precondition(rows == columns && indices.allSatisfy { $0 < n }, "index outside the matrix")
        var m = Matrix(rows: count, columns: count)
        m.storage.withUnsafeMutableBufferPointer { out in
            storage.withUnsafeBufferPointer { from in
                for (a, i) in indices.enumerated() where i >= 0 {
                    let row = a * count, source = i * n
                    for (b, j) in indices.enumerated() where j >= 0 { out[row + b] = from[source + j] }
                }
            }
        }
        return m
    }

    /// Drops the rows from `count` on.
    public mutating func keepRows(_ count: Int) {
        guard count < rows else { return }
        storage.removeLast((rows - count) * columns)
        rows = count
    }

    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        let (n, m) = (rows, columns)
        t.storage.withUnsafeMutableBufferPointer { out in
            storage.withUnsafeBufferPointer { from in
                for r in 0..<n { for c in 0..<m { out[c * n + r] = from[r * m + c] } }
            }
        }
        return t
    }

    public static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "matrix size mismatch")
        var m = Matrix(rows: a.rows, columns: b.columns)
        let (n, inner, width) = (a.rows, a.columns, b.columns)
        // Raw buffers: the filters' inner loops are products of a few tens of rows and columns.
        m.storage.withUnsafeMutableBufferPointer { out in
            a.storage.withUnsafeBufferPointer { left in
                b.storage.withUnsafeBufferPointer { right in
                    for i in 0..<n {
                        let row = i * width
                        for k in 0..<inner {
                            let aik = left[i * inner + k]
                            if aik == 0 { continue }
                            let from = k * width
                            for j in 0..<width { out[row + j] += aik * right[from + j] }
                        }
                    }
                }
            }
        }
        return m
    }

    public static func * (a: Matrix, v: [Double]) -> [Double] {
        precondition(a.columns == v.count, "matrix size mismatch")
        var out = [Double](repeating: 0, count: a.rows)
        for i in 0..<a.rows {
            var s = 0.0
            for j in 0..<a.columns { s += a.storage[i * a.columns + j] * v[j] }
            out[i] = s
        }
        return out
    }

    public static func + (a: Matrix, b: Matrix) -> Matrix {
        var m = a
        for i in 0..<m.storage.count { m.storage[i] += b.storage[i] }
        return m
    }

    public static func - (a: Matrix, b: Matrix) -> Matrix {
        var m = a
        for i in 0..<m.storage.count { m.storage[i] -= b.storage[i] }
        return m
    }

    /// Cholesky factor L (lower) of a symmetric positive-definite matrix, or nil if it is not one.
    public func cholesky() -> Matrix? {
        guard rows == columns else { return nil }
        let n = rows
        var l = Matrix(rows: n, columns: n)
        let positive = l.storage.withUnsafeMutableBufferPointer { l in
            storage.withUnsafeBufferPointer { a in
                for j in 0..<n {
                    let rowJ = j &* n
                    var d = a[rowJ &+ j]
                    for k in 0..<j { d -= l[rowJ &+ k] * l[rowJ &+ k] }
                    guard d > 0, d.isFinite else { return false }
                    let ljj = d.squareRoot()
                    l[rowJ &+ j] = ljj
                    for i in (j + 1)..<max(j + 1, n) {
                        let rowI = i &* n
                        var s = a[rowI &+ j]
                        for k in 0..<j { s -= l[rowI &+ k] * l[rowJ &+ k] }
                        l[rowI &+ j] = s / ljj
                    }
                }
                return true
            }
        }
        return positive ? l : nil
    }

    /// X with L X = B, for L (this matrix) lower triangular with a non-zero diagonal: forward substitution.
    public func lowerTriangularSolve(_ b: Matrix) -> Matrix {
        precondition(rows == columns && b.rows == rows, "matrix size mismatch")
        let n = rows, width = b.columns
        var x = b
        x.storage.withUnsafeMutableBufferPointer { x in
            storage.withUnsafeBufferPointer { l in
                for i in 0..<n {
                    let row = i &* width
                    for k in 0..<i {
                        let lik = l[i &* n &+ k]
                        if lik == 0 { continue }
                        let from = k &* width
                        for j in 0..<width { x[row &+ j] -= lik * x[from &+ j] }
                    }
                    let inverse = 1 / l[i &* n &+ i]
                    for j in 0..<width { x[row &+ j] *= inverse }
                }
            }
        }
        return x
    }

    /// Inverse of a symmetric positive-definite matrix, or nil when singular.
    public func inverseSPD() -> Matrix? {
        guard let l = cholesky() else { return nil }
        let n = rows
        // Invert L (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹.
        var li = Matrix(rows: n, columns: n)
        for i in 0..<n {
            li[i, i] = 1 / l[i, i]
            for j in 0..<i {
                var s = 0.0
                for k in j..<i { s -= l[i, k] * li[k, j] }
                li[i, j] = s / l[i, i]
            }
        }
        var inv = Matrix(rows: n, columns: n)
        for i in 0..<n {
            for j in 0...i {
                var s = 0.0
                for k in i..<n { s += li[k, i] * li[k, j] }
                inv[i, j] = s
                inv[j, i] = s
            }
        }
        return inv
    }

    /// General inverse by Gauss–Jordan elimination with partial pivoting, or nil when singular.
    public func inverse() -> Matrix? {
        guard rows == columns else { return nil }
        let n = rows
        var a = self
        var inv = Matrix.identity(n)
        for c in 0..<n {
            var pivot = c
            for r in (c + 1)..<max(c + 1, n) where abs(a[r, c]) > abs(a[pivot, c]) { pivot = r }
            guard abs(a[pivot, c]) > 1e-300 else { return nil }
            if pivot != c {
                for k in 0..<n {
                    a.storage.swapAt(c * n + k, pivot * n + k)
                    inv.storage.swapAt(c * n + k, pivot * n + k)
                }
            }
            let p = a[c, c]
            for k in 0..<n { a[c, k] /= p; inv[c, k] /= p }
            for r in 0..<n where r != c {
                let f = a[r, c]
                if f == 0 { continue }
                for k in 0..<n { a[r, k] -= f * a[c, k]; inv[r, k] -= f * inv[c, k] }
            }
        }
        return inv
    }

    public var description: String {
        (0..<rows).map { r in (0..<columns).map { String(self[r, $0]) }.joined(separator: " ") }.joined(separator: "\n")
    }
}

/// Weighted least squares: solves min Σ wᵢ (yᵢ − Hᵢx)², returning the estimate,
/// its covariance (HᵀWH)⁻¹, and the weighted residuals. Nil when the geometry is singular.
public func weightedLeastSquares(design h: Matrix, observations y: [Double], weights w: [Double])
    -> (x: [Double], covariance: Matrix)? {
    let n = h.columns, m = h.rows
    guard m >= n, y.count == m, w.count == m else { return nil }
    var normal = Matrix(rows: n, columns: n)
    var rhs = [Double](repeating: 0, count: n)
    for i in 0..<m {
        let wi = w[i]
        for a in 0..<n {
            let ha = h[i, a] * wi
            if ha == 0 { continue }
            rhs[a] += ha * y[i]
            for b in a..<n { normal[a, b] += ha * h[i, b] }
        }
    }
    for a in 0..<n { for b in 0..<a { normal[a, b] = normal[b, a] } }
    guard let q = normal.inverseSPD() else { return nil }
    return (q * rhs, q)
}
