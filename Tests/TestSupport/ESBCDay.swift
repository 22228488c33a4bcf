import GNSSProducts
import Synchronization

/// The ESBC day of the shared data (2020-06-25): its navigation file, and the final orbits and clocks that make
/// the simulator's true sky; loaded once for all the tests that use them.
public enum ESBCDay {
    public static let directory = "ppp-esbc-2020177/"

    private static let cached = Mutex<Products?>(nil)

    public static func products() throws -> Products {
        if let p = cached.withLock({ $0 }) { return p }
        var p = Products()
        try p.loadNavigation(SharedData.path(directory + "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"))
        try p.loadSP3(SharedData.path(directory + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"))
        try p.loadClock(SharedData.path(directory + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"))
        p.finalise()
        cached.withLock { $0 = p }
        return p
    }
}
