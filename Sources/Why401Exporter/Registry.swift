import Prometheus

extension PrometheusCollectorRegistry {
    /// A gauge `name` with `help` (and `labels`): one spelling for every metric of the exporter.
    func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        return labels.isEmpty ? makeGauge(descriptor: descriptor) : makeGauge(descriptor: descriptor, labels: labels)
    }

    /// A counter `name` with `help` (and `labels`).
    func counter(_ name: String, _ help: String, labels: [(String, String)] = []) -> Counter {
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        return labels.isEmpty
            ? makeCounter(descriptor: descriptor) : makeCounter(descriptor: descriptor, labels: labels)
    }

    /// A histogram of seconds `name` with `help`.
    func histogram(_ name: String, _ help: String, buckets: [Double]) -> ValueHistogram {
        makeValueHistogram(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), buckets: buckets)
    }
}
