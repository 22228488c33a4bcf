import Testing
@testable import GNSSCore

/// The factorisations the filters lean on, against products computed directly.
@Suite struct MatrixTests {
    /// A symmetric positive-definite matrix of the filters' size, and its Cholesky factor: L Lᵀ gives it back and a
    /// forward substitution with L solves L X = B.
    @Test func choleskyAndForwardSubstitution() throws {
        let n = 9
        var a = Matrix(rows: n, columns: n)
        for i in 0..<n { for j in 0..<n { a[i, j] = 1 / Double(i + j + 1) } }   // Hilbert: positive definite
        for i in 0..<n { a[i, i] += 1 }
        let l = try #require(a.cholesky())
        let back = l * l.transposed
        #expect(zip(back.storage, a.storage).allSatisfy { abs($0 - $1) < 1e-14 })
        for i in 0..<n { for j in (i + 1)..<n { #expect(l[i, j] == 0) } }

        var b = Matrix(rows: n, columns: 3)
        for i in 0..<n { for j in 0..<3 { b[i, j] = Double(i * 3 + j) - 7.5 } }
        let x = l.lowerTriangularSolve(b)
        let lx = l * x
        #expect(zip(lx.storage, b.storage).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func notPositiveDefiniteHasNoFactor() {
        #expect(Matrix([[1, 2], [2, 1]]).cholesky() == nil)
        #expect(Matrix([[1, 0], [0, .nan]]).cholesky() == nil)
    }
}
