"""policyengine: a policy-as-code compliance engine for AI threat models."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("policyengine")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
