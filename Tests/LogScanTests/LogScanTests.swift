// LogScan tests.
