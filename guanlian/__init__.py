"""guanlian (关联): find hidden related-party links across personnel, registry and payment data."""

__version__ = "0.1.0"
