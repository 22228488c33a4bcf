import ArgumentParser

/// The product files a command reads: broadcast navigation, precise orbits and precise clocks.
struct ProductFileOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: "Broadcast navigation files (RINEX nav).")
    var nav: [String] = []

    @Option(parsing: .upToNextOption, help: "Precise orbit files (SP3).")
    var sp3: [String] = []

    @Option(parsing: .upToNextOption, help: "Precise clock files (RINEX clock).")
    var clk: [String] = []
}
