"""Settings package: one module per environment, all built on ``base``."""
