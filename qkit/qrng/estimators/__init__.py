"""SP 800-90B min-entropy estimators and IID tests (work in progress)."""
