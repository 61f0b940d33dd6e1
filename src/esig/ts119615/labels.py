"""The TS 119 172-4 label of a signature (DSS's ``SigQualificationMatrix``).

From the AdES result (EN 319 102-1) and the certificate's final qualification.
"""

from __future__ import annotations

from typing import Literal

from esig.level_ladder import AdesLabel
from esig.ts119615.result import CertQualification

__all__ = ["signature_label"]

Q = CertQualification

_PASSED = {
    Q.QC_ESIG_QSCD: AdesLabel.QESIG,
    Q.QC_ESEAL_QSCD: AdesLabel.QESEAL,
    Q.QC_UNKNOWN_QSCD: AdesLabel.UNKNOWN_QC_QSCD,
    Q.QC_ESIG: AdesLabel.ADESIG_QC,
    Q.QC_ESEAL: AdesLabel.ADESEAL_QC,
    Q.QC_UNKNOWN: AdesLabel.UNKNOWN_QC,
    Q.CERT_ESIG: AdesLabel.ADESIG,
    Q.CERT_ESEAL: AdesLabel.ADESEAL,
    Q.CERT_UNKNOWN: AdesLabel.UNKNOWN,
}

_INDETERMINATE = {
    Q.QC_ESIG_QSCD: AdesLabel.INDETERMINATE_QESIG,
    Q.QC_ESEAL_QSCD: AdesLabel.INDETERMINATE_QESEAL,
    Q.QC_UNKNOWN_QSCD: AdesLabel.INDETERMINATE_UNKNOWN_QC_QSCD,
    Q.QC_ESIG: AdesLabel.INDETERMINATE_ADESIG_QC,
    Q.QC_ESEAL: AdesLabel.INDETERMINATE_ADESEAL_QC,
    Q.QC_UNKNOWN: AdesLabel.INDETERMINATE_UNKNOWN_QC,
    Q.CERT_ESIG: AdesLabel.INDETERMINATE_ADESIG,
    Q.CERT_ESEAL: AdesLabel.INDETERMINATE_ADESEAL,
    Q.CERT_UNKNOWN: AdesLabel.INDETERMINATE_UNKNOWN,
}


def signature_label(
    ades: Literal["passed", "indeterminate", "failed"], qualification: CertQualification
) -> AdesLabel:
    """The label for an AdES result (EN 319 102-1) and the certificate's final qualification.

    A certificate for website authentication never makes a signature (Not AdES); N/A
    stays N/A unless the AdES validation failed.
    """
    if ades == "failed":
        if qualification.qualified and qualification is not Q.QC_WSA:
            return AdesLabel.NOT_ADES_QC_QSCD if qualification.qscd else AdesLabel.NOT_ADES_QC
        return AdesLabel.NOT_ADES
    if qualification is Q.NA:
        return AdesLabel.NA
    table = _PASSED if ades == "passed" else _INDETERMINATE
    return table.get(qualification, AdesLabel.NOT_ADES)
