import GNSSCore

/// The combinations of one satellite's code and phase on two frequencies that quality checking uses, all in metres:
/// the code multipath of each frequency in teqc's sense, the geometry-free phase and the Melbourne–Wübbena
/// combination.
///
/// With α = (f₁/f₂)² and the phases L in metres, MP₁ = P₁ − (1 + 2/(α−1)) L₁ + (2/(α−1)) L₂ and, the same with the
/// frequencies swapped (α' = 1/α), MP₂ = P₂ − (2α/(α−1)) L₁ + (2α/(α−1) − 1) L₂: geometry and first-order
/// ionosphere cancel, leaving the code's multipath and noise plus a constant (ambiguities and hardware delays) that
/// the mean of a continuous arc removes.
public struct DualFrequencyCombinations: Sendable, Equatable {
    public var multipath1: Double
    public var multipath2: Double
    /// L₁ − L₂ in metres: the ionosphere and the ambiguities; a jump between epochs is a cycle slip.
    public var geometryFree: Double
    /// (f₁L₁ − f₂L₂)/(f₁ − f₂) − (f₁P₁ + f₂P₂)/(f₁ + f₂): the wide-lane ambiguity in metres, plus code noise.
    public var melbourneWubbena: Double
    /// The wide-lane wavelength c/(f₁ − f₂).
    public var wideLaneWavelength: Double

    /// Pseudoranges in metres, phases in cycles, frequencies in Hz.
    public init?(code1: Double, phase1: Double, frequency1 f1: Double, code2: Double, phase2: Double, frequency2 f2: Double) {
        guard f1 > 0, f2 > 0, f1 != f2, code1.isFinite, code2.isFinite, phase1.isFinite, phase2.isFinite,
              code1 != 0, code2 != 0, phase1 != 0, phase2 != 0 else { return nil }
        let c = Constants.speedOfLight
        let l1 = phase1 * c / f1
        let l2 = phase2 * c / f2
        let alpha = (f1 / f2) * (f1 / f2)
        let k = 2 / (alpha - 1)
        multipath1 = code1 - (1 + k) * l1 + k * l2
        multipath2 = code2 - alpha * k * l1 + (alpha * k - 1) * l2
        geometryFree = l1 - l2
        melbourneWubbena = (f1 * l1 - f2 * l2) / (f1 - f2) - (f1 * code1 + f2 * code2) / (f1 + f2)
        wideLaneWavelength = c / abs(f1 - f2)
    }
}
