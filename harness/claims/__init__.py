"""Claims of the OPTICAL paper as data (``registry.py``) and their verdicts on saved scores (``verdicts.py``)."""

from harness.claims.registry import CLAIMS, SETTING_DIFFERENCES, Claim
from harness.claims.verdicts import CHECKS, ClaimResult, Finding, evaluate_claims

__all__ = ["CHECKS", "CLAIMS", "SETTING_DIFFERENCES", "Claim", "ClaimResult", "Finding", "evaluate_claims"]
