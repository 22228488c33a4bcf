import Testing
import GNSSCore
@testable import GNSSPositioning

/// Test cases and expected integer solutions published with RTKLIB's unit tests (test/utest/t_lambda.c).
@Suite struct LambdaTests {
    @Test func sixAmbiguities() throws {
        let a = [1_585_184.171, -6_716_599.430, 3_915_742.905, 7_627_233.455, 9_565_990.879, 989_457_273.200]
        var q = Matrix(rows: 6, columns: 6)
        for i in 0..<6 { for j in 0..<6 { q[i, j] = (i == j) ? 0.227134 : 0.112202 } }
        for i in 0..<5 { q[i, 5] = 0.103473; q[5, i] = 0.103473 }
        q[5, 5] = 0.434339
        let r = try #require(Lambda.resolve(a, covariance: q, candidates: 2))
        #expect(r.candidates[0] == [1_585_184, -6_716_599, 3_915_743, 7_627_234, 9_565_991, 989_457_273])
        #expect(r.candidates[1] == [1_585_184, -6_716_600, 3_915_743, 7_627_233, 9_565_991, 989_457_273])
        #expect(abs(r.residuals[0] - 3.507984) < 1e-4)
        #expect(abs(r.residuals[1] - 3.708456) < 1e-4)
    }

    @Test func tenAmbiguitiesDualFrequency() throws {
        let a = [-13_324_172.755747, -10_668_894.713608, -7_157_225.010770, -6_149_367.974367, -7_454_133.571066,
                 -5_969_200.494550, 8_336_734.058423, 6_186_974.084502, -17_549_093.883655, -13_970_158.922370]
        var q = Matrix(rows: 10, columns: 10)
        for i in 0..<10 {
            for j in 0..<10 {
                let bi = i / 5, bj = j / 5
                let same = i % 5 == j % 5
                switch (bi, bj) {
                case (0, 0): q[i, j] = same ? 0.446320 : 0.223160
                case (1, 1): q[i, j] = same ? 0.735063 : 0.367531
                default: q[i, j] = same ? 0.572775 : 0.286388
                }
            }
        }
        let r = try #require(Lambda.resolve(a, covariance: q, candidates: 2))
        #expect(r.candidates[0] == [-13_324_188, -10_668_901, -7_157_236, -6_149_379, -7_454_143,
                                    -5_969_220, 8_336_726, 6_186_960, -17_549_108, -13_970_171])
        #expect(r.candidates[1] == [-13_324_188, -10_668_908, -7_157_236, -6_149_379, -7_454_143,
                                    -5_969_220, 8_336_717, 6_186_960, -17_549_108, -13_970_171])
        #expect(abs(r.residuals[0] - 1506.435789) < 1e-3)
        #expect(abs(r.residuals[1] - 1612.811795) < 1e-3)
    }

    @Test func notPositiveDefiniteIsRejected() {
        let q = Matrix([[1, 2], [2, 1]])
        #expect(Lambda.resolve([0.3, 0.7], covariance: q) == nil)
    }
}
