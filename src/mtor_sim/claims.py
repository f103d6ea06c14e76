"""The review's claims as executable checks: ``mtor_sim.claims.check_all(model)``."""

from ._claims import CLAIMS, ClaimResult, check, check_all

__all__ = ["CLAIMS", "ClaimResult", "check", "check_all"]
