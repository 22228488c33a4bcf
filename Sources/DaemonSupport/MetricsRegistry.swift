import Prometheus

extension PrometheusCollectorRegistry {
    /// A counter by its full name (for example `gateway_epochs_total`), created on first use and shared after.
    public func counter(_ name: String, help: String, labels: [(String, String)] = []) -> Counter {
        makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> Gauge {
        makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func histogram(_ name: String, help: String, buckets: [Double]) -> ValueHistogram {
        makeValueHistogram(descriptor: Self.descriptor(name, help), buckets: buckets)
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}

extension PrometheusCollectorRegistry {
    /// The conventional build-info gauge, `<prefix>_build_info{version="…"} 1`, so dashboards and alerts can
    /// tell which version each daemon runs.
    public func registerBuildInfo(prefix: String) {
        gauge(prefix + "_build_info", help: "Always 1; the version label is the running software's version",
              labels: [("version", SoftwareVersion.number)]).set(to: 1)
    }
}
