import GNSSCore

/// The extended Kalman filter measurement update shared by the estimators.
package enum Kalman {
    /// The rows of a design matrix H by their non-zero entries: a measurement involves a few states of many.
    package struct SparseRows {
        /// Row i's entries are `columns[starts[i]..<starts[i + 1]]`, `values[...]` alike.
        private(set) var columns: [Int] = []
        private(set) var values: [Double] = []
        private(set) var starts = [0]

        package init() {}

        /// The non-zero entries of a dense matrix.
        init(_ dense: Matrix) {
            dense.storage.withUnsafeBufferPointer { h in
                for i in 0..<dense.rows {
                    let row = i &* dense.columns
                    for j in 0..<dense.columns where h[row &+ j] != 0 { append(column: j, value: h[row &+ j]) }
                    endRow()
                }
            }
        }

        package var count: Int { starts.count - 1 }

        /// Adds an entry to the row being written.
        package mutating func append(column: Int, value: Double) {
            columns.append(column)
            values.append(value)
        }

        /// Closes the row being written.
        package mutating func endRow() { starts.append(columns.count) }

        /// Rows `range` alone.
        package func rows(_ range: Range<Int>) -> SparseRows {
            var out = SparseRows()
            for i in range {
                for e in starts[i]..<starts[i + 1] { out.append(column: columns[e], value: values[e]) }
                out.endRow()
            }
            return out
        }

        /// Row `i` times the vector `v`.
        package func dot(_ i: Int, _ v: [Double]) -> Double {
            var sum = 0.0
            for e in starts[i]..<starts[i + 1] { sum += values[e] * v[columns[e]] }
            return sum
        }
    }

    /// x ← x + K v, P ← (I − K H) P with K = P Hᵀ (H P Hᵀ + R)⁻¹.
    /// Returns false (and leaves the state alone) when the innovation covariance is singular.
    @discardableResult
    package static func update(x: inout [Double], p: inout Matrix, h: Matrix, innovation v: [Double], r: Matrix) -> Bool {
        update(x: &x, p: &p, h: SparseRows(h), innovation: v, r: r)
    }

    /// The update with H by its non-zero entries. With S = H P Hᵀ + R = L Lᵀ (Cholesky) and Y = L⁻¹ H P:
    /// K v = Yᵀ L⁻¹ v and K H P = Yᵀ Y. H P and H P Hᵀ are formed from H's entries alone, Yᵀ Y for one triangle.
    @discardableResult
    package static func update(x: inout [Double], p: inout Matrix, h: SparseRows, innovation v: [Double], r: Matrix) -> Bool {
        let n = x.count, m = v.count
        precondition(h.count == m && p.rows == n && p.columns == n && r.rows == m && r.columns == m, "matrix size mismatch")
        // H P: each row a combination of a few rows of P. S = (H P) Hᵀ + R.
        var hp = Matrix(rows: m, columns: n)
        var s = r
        precondition(h.columns.allSatisfy { $0 >= 0 && $0 < n }, "matrix size mismatch")
        hp.storage.withUnsafeMutableBufferPointer { out in
            p.storage.withUnsafeBufferPointer { pb in
                for i in 0..<m {
                    var e = h.starts[i]
                    while e < h.starts[i &+ 1] {
                        addScaled(out.baseAddress! + i &* n, pb.baseAddress! + h.columns[e] &* n, h.values[e], n)
                        e &+= 1
                    }
                }
            }
            // S is symmetric: its lower triangle, mirrored.
            s.storage.withUnsafeMutableBufferPointer { sb in
                for i in 0..<m {
                    for j in 0..<i &+ 1 {
                        var sum = 0.0, e = h.starts[j]
                        while e < h.starts[j &+ 1] {
                            sum += out[i &* n &+ h.columns[e]] * h.values[e]
                            e &+= 1
                        }
                        sb[i &* m &+ j] += sum
                        if j != i { sb[j &* m &+ i] += sum }
                    }
                }
            }
        }
        guard let l = s.cholesky() else { return false }
        // Y = L⁻¹ (H P) and z = L⁻¹ v by forward substitution.
        let y = l.lowerTriangularSolve(hp)
        // The states the measurements inform, correlated with theirs: P changes in rows and columns below `touched`
        // only (a block of code rows, before any phase, touches the position's three).
        var touched = 0
        for i in 0..<m {
            var a = n
            while a > touched && y[i, a &- 1] == 0 { a &-= 1 }
            touched = max(touched, a)
        }
        var column = Matrix(rows: m, columns: 1)
        column.storage = v
        let z = l.lowerTriangularSolve(column).storage
        // x += Yᵀ z and P −= Yᵀ Y: the lower triangle in one pass over P (a network's P is tens of megabytes, so
        // its memory traffic, not the arithmetic, sets the pace), each row in pieces that stay in the first-level
        // cache while every row of Y is applied to them; then the upper triangle mirrored.
        y.storage.withUnsafeBufferPointer { yb in
            let y = yb.baseAddress!
            x.withUnsafeMutableBufferPointer { xb in
                for i in 0..<m { addScaled(xb.baseAddress!, y + i &* n, z[i], n) }
            }
            p.storage.withUnsafeMutableBufferPointer { pb in
                let p = pb.baseAddress!
                var rows: [UnsafePointer<Double>] = [], c: [Double] = []
                rows.reserveCapacity(m)
                c.reserveCapacity(m)
                for a in 0..<touched {
                    rows.removeAll(keepingCapacity: true)
                    c.removeAll(keepingCapacity: true)
                    for i in 0..<m where y[i &* n &+ a] != 0 {
                        rows.append(y + i &* n)
                        c.append(-y[i &* n &+ a])
                    }
                    guard !rows.isEmpty else { continue }
                    let target = p + a &* n
                    var start = 0
                    while start <= a {
                        let count = min(Self.piece, a &+ 1 &- start)
                        var k = 0
                        while k &+ 4 <= rows.count {
                            addScaledFour(target + start, (rows[k] + start, rows[k &+ 1] + start, rows[k &+ 2] + start, rows[k &+ 3] + start),
                                          (c[k], c[k &+ 1], c[k &+ 2], c[k &+ 3]), count)
                            k &+= 4
                        }
                        while k < rows.count {
                            addScaled(target + start, rows[k] + start, c[k], count)
                            k &+= 1
                        }
                        start &+= Self.piece
                    }
                }
                mirrorLowerTriangle(p, n, rows: touched)
            }
        }
        return true
    }

    /// target[0..<count] += scale · source[0..<count]. (Unchecked arithmetic on raw pointers: the loop vectorises.)
    @inline(__always)
    private static func addScaled(_ target: UnsafeMutablePointer<Double>, _ source: UnsafePointer<Double>, _ scale: Double,
                                  _ count: Int) {
        var k = 0
        while k < count {
            target[k] += scale * source[k]
            k &+= 1
        }
    }

    /// Copies the lower triangle of the n×n matrix at `p`, its first `rows` rows, onto the upper triangle, a tile of
    /// 32×32 at a time (a column written element by element would miss the cache at every element).
    private static func mirrorLowerTriangle(_ p: UnsafeMutablePointer<Double>, _ n: Int, rows: Int) {
        let tile = 32
        var a0 = 0
        while a0 < rows {
            let a1 = min(a0 &+ tile, rows)
            var b0 = 0
            while b0 < a1 {
                let b1 = min(b0 &+ tile, a1)
                for a in a0..<a1 {
                    var b = b0
                    while b < min(b1, a) {
                        p[b &* n &+ a] = p[a &* n &+ b]
                        b &+= 1
                    }
                }
                b0 &+= tile
            }
            a0 &+= tile
        }
    }

    /// target[0..<count] += Σ c.k · rows.k[0..<count] over four rows (each target element loaded and stored once).
    @inline(__always)
    private static func addScaledFour(_ target: UnsafeMutablePointer<Double>,
                                      _ rows: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>,
                                               UnsafePointer<Double>),
                                      _ c: (Double, Double, Double, Double), _ count: Int) {
        var k = 0
        while k < count {
            target[k] += c.0 * rows.0[k] + c.1 * rows.1[k] + c.2 * rows.2[k] + c.3 * rows.3[k]
            k &+= 1
        }
    }

    /// Doubles of a row of P updated together (4 KiB): with the rows of Y they are added from, they stay in cache.
    private static let piece = 512

    /// Measurements in mutually uncorrelated blocks (R block-diagonal), one update per block: the batch update's
    /// result at the cost of factorising each block rather than all rows at once. Every block was linearised at the
    /// state on entry; its innovation is brought to the state the blocks before it left (v − H·Δx).
    /// Returns the number of rows used (a block whose innovation covariance is singular is left out).
    @discardableResult
    static func update(x: inout [Double], p: inout Matrix, blocks: [(h: SparseRows, innovation: [Double], r: Matrix)]) -> Int {
        let linearisedAt = x
        var used = 0
        for block in blocks {
            let moved = zip(x, linearisedAt).map { $0 - $1 }
            let v = block.innovation.indices.map { block.innovation[$0] - block.h.dot($0, moved) }
            if update(x: &x, p: &p, h: block.h, innovation: v, r: block.r) { used += v.count }
        }
        return used
    }
}
