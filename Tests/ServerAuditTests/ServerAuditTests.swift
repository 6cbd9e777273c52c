// ServerAudit tests.
