"""Trust sources: who was recognised to issue qualified certificates, and when (BES art. 4).

* :mod:`esig.trust.register` — the Minister's register of recognised certification
  service providers (BES art. 4), as a reviewable YAML/JSON file.
"""

from esig.trust.register import (
    CspRegister,
    RecognitionStatus,
    RegisteredProvider,
    RegisterError,
    RegisterLookup,
    Withdrawal,
    WithdrawalReason,
    load_register,
)

__all__ = [
    "CspRegister",
    "RecognitionStatus",
    "RegisterError",
    "RegisterLookup",
    "RegisteredProvider",
    "Withdrawal",
    "WithdrawalReason",
    "load_register",
]
