"""ETSI TS 119 615: whether the trusted lists make a certificate qualified, step by step.

esig's own implementation of the procedure the EU's reference validator (DSS) follows,
over plain data: :mod:`~esig.ts119615.facts` (what the certificate and the lists say),
:mod:`~esig.ts119615.rules` (one function per filter, check and strategy),
:mod:`~esig.ts119615.engine` (the procedure at the two moments and their combination),
:mod:`~esig.ts119615.result` (the 12 qualifications and N/A, with the evidence),
:mod:`~esig.ts119615.labels` (the TS 119 172-4 signature label) and
:mod:`~esig.ts119615.certificate` (a certificate's facts, read with cryptography).
"""

from __future__ import annotations

from esig.ts119615.engine import qualify
from esig.ts119615.facts import CertFacts, ServiceEntry
from esig.ts119615.result import AtTime, CertQualification, CertType, Outcome, Step

__all__ = [
    "AtTime",
    "CertFacts",
    "CertQualification",
    "CertType",
    "Outcome",
    "ServiceEntry",
    "Step",
    "qualify",
]
