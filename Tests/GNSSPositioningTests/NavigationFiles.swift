import TestSupport
import GNSSFormats
import GNSSOrbits

/// A navigation file of ../shared/data read into a store that keeps every ephemeris.
func ephemerisStore(_ relative: String) throws -> EphemerisStore {
    var store = EphemerisStore(historyLimit: .max)
    for e in try RINEXNavigationReader.readAll(path: SharedData.path(relative)).ephemerides { store.add(e) }
    return store
}
