"""policyengine: a policy-as-code compliance engine for AI threat models."""

# NOTE: a literal (read by hatch for the wheel's metadata) rather than importlib.metadata,
# which alone costs ~50 ms and `policyengine --version` has a 0.2 s budget.
__version__ = "0.1.0"

__all__ = ["__version__"]
