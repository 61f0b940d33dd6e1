"""The ladder of levels as data: SES, AES and QES, their requirements and citations.

:data:`SES`, :data:`AES` and :data:`QES` are :class:`LevelDefinition` values whose
:attr:`~LevelDefinition.requirements` say, with citations, what a signature must show to
reach them; :data:`SEAL_LEVELS` is the same ladder for electronic seals. The assessment
that applies them to what verification established is :mod:`esig.levels`, which
re-exports every name here.
"""

from __future__ import annotations

from enum import StrEnum

from esig._model import EsigModel
from esig.law import BES, EIDAS, Citation

__all__ = [
    "AES",
    "LEVELS",
    "QES",
    "SEAL_LEVELS",
    "SES",
    "AdesLabel",
    "Level",
    "LevelDefinition",
    "Requirement",
    "RequirementId",
    "RequirementStatus",
]


class Level(StrEnum):
    """How far up the ladder a signature gets."""

    NONE = "none"
    """Not a valid electronic signature at all (the signature value does not verify)."""
    SES = "SES"
    """Simple electronic signature, eIDAS art. 3(10)."""
    AES = "AES"
    """Advanced electronic signature, eIDAS art. 26 / BES art. 1."""
    QES = "QES"
    """Qualified electronic signature, eIDAS art. 3(12) / BES art. 1, 2, 4 and 6."""


class RequirementId(StrEnum):
    """The requirements of the three levels, by name."""

    DATA_ASSOCIATED = "ses.data_associated"
    UNIQUELY_LINKED = "aes.uniquely_linked"
    IDENTIFIES_SIGNATORY = "aes.identifies_signatory"
    VERIFIABLE_AT_ANY_TIME = "aes.verifiable_at_any_time"
    SOLE_CONTROL = "aes.sole_control"
    LINKED_TO_DATA = "aes.linked_to_data"
    QUALIFIED_CERTIFICATE = "qes.qualified_certificate"
    QUALIFIED_DEVICE = "qes.qualified_device"
    RECOGNISED_PROVIDER = "qes.recognised_provider"


class RequirementStatus(StrEnum):
    """Whether the evidence shows a requirement to be fulfilled."""

    MET = "met"
    NOT_MET = "not met"
    INDETERMINATE = "indeterminate"
    """The evidence is not enough to say either way (e.g. no trust anchor was given)."""


class Requirement(EsigModel):
    """One requirement of a level, with the provisions that impose it."""

    id: RequirementId
    level: Level
    """The lowest level that needs this requirement."""
    title: str
    """What the requirement asks, in plain words."""
    citations: tuple[Citation, ...]


class LevelDefinition(EsigModel):
    """A level and its own requirements (the levels below it are included implicitly)."""

    level: Level
    name: str
    defined_in: tuple[Citation, ...]
    requirements: tuple[Requirement, ...]
    """The requirements this level adds to the one below."""


def _req(rid: RequirementId, level: Level, title: str, *citations: Citation) -> Requirement:
    return Requirement(id=rid, level=level, title=title, citations=citations)


SES = LevelDefinition(
    level=Level.SES,
    name="Simple electronic signature",
    defined_in=(EIDAS.ART_3_10,),
    requirements=(
        _req(
            RequirementId.DATA_ASSOCIATED,
            Level.SES,
            "data in electronic form attached to the signed data, used by the signatory to sign",
            EIDAS.ART_3_10,
        ),
    ),
)
"""Simple electronic signature: eIDAS art. 3(10)."""

AES = LevelDefinition(
    level=Level.AES,
    name="Advanced electronic signature",
    defined_in=(EIDAS.ART_3_11, EIDAS.ART_26, BES.ART_1),
    requirements=(
        _req(
            RequirementId.UNIQUELY_LINKED,
            Level.AES,
            "uniquely linked to the signatory",
            EIDAS.ART_26_A,
            BES.ART_1_A,
        ),
        _req(
            RequirementId.IDENTIFIES_SIGNATORY,
            Level.AES,
            "capable of identifying the signatory",
            EIDAS.ART_26_B,
        ),
        _req(
            RequirementId.VERIFIABLE_AT_ANY_TIME,
            Level.AES,
            "can be verified at any time",
            BES.ART_1_B,
        ),
        _req(
            RequirementId.SOLE_CONTROL,
            Level.AES,
            "created with signature creation data under the signatory's sole control",
            EIDAS.ART_26_C,
            BES.ART_1_C,
        ),
        _req(
            RequirementId.LINKED_TO_DATA,
            Level.AES,
            "linked to the signed data so that any change is detectable",
            EIDAS.ART_26_D,
            BES.ART_1_D,
        ),
    ),
)
"""Advanced electronic signature: eIDAS art. 26 (a)–(d) and BES art. 1 (a)–(d).

The two differ in one letter: eIDAS art. 26(b) asks that the signature be *capable of
identifying the signatory*, BES art. 1(b) that it *can be verified at any time*. Both
are requirements here.
"""

QES = LevelDefinition(
    level=Level.QES,
    name="Qualified electronic signature",
    defined_in=(EIDAS.ART_3_12,),
    requirements=(
        _req(
            RequirementId.QUALIFIED_CERTIFICATE,
            Level.QES,
            "based on a qualified certificate with the content of BES art. 6",
            EIDAS.ART_3_12,
            EIDAS.ART_28,
            BES.ART_6,
        ),
        _req(
            RequirementId.QUALIFIED_DEVICE,
            Level.QES,
            "created by a (qualified) secure signature creation device",
            EIDAS.ART_3_12,
            EIDAS.ART_29,
            BES.ART_2,
        ),
        _req(
            RequirementId.RECOGNISED_PROVIDER,
            Level.QES,
            "certificate issued by a certification service provider recognised and "
            "registered at the time of signing",
            BES.ART_4,
            EIDAS.ART_3_12,
        ),
    ),
)
"""Qualified electronic signature: eIDAS art. 3(12); under the decree art. 1 + art. 2
device + art. 6 certificate from a provider recognised under art. 4."""

LEVELS: tuple[LevelDefinition, ...] = (SES, AES, QES)
"""The ladder, lowest first."""

_SEAL_CITATIONS: dict[Citation, Citation] = {
    EIDAS.ART_3_10: EIDAS.ART_3_25,
    EIDAS.ART_3_11: EIDAS.ART_3_26,
    EIDAS.ART_3_12: EIDAS.ART_3_27,
    EIDAS.ART_26: EIDAS.ART_36,
    EIDAS.ART_26_A: EIDAS.ART_36_A,
    EIDAS.ART_26_B: EIDAS.ART_36_B,
    EIDAS.ART_26_C: EIDAS.ART_36_C,
    EIDAS.ART_26_D: EIDAS.ART_36_D,
    EIDAS.ART_28: EIDAS.ART_38,
    EIDAS.ART_29: EIDAS.ART_39,
}
_SEAL_TITLES: dict[RequirementId, str] = {
    RequirementId.DATA_ASSOCIATED: (
        "data in electronic form attached to the sealed data, to ensure their origin and integrity"
    ),
    RequirementId.UNIQUELY_LINKED: "uniquely linked to the creator of the seal",
    RequirementId.IDENTIFIES_SIGNATORY: "capable of identifying the creator of the seal",
    RequirementId.SOLE_CONTROL: "created with seal creation data under the creator's control",
    RequirementId.QUALIFIED_CERTIFICATE: (
        "based on a qualified certificate for electronic seals with the content of BES art. 6"
    ),
    RequirementId.QUALIFIED_DEVICE: "created by a qualified electronic seal creation device",
}


def _as_seal(definition: LevelDefinition) -> LevelDefinition:
    def cite(citations: tuple[Citation, ...]) -> tuple[Citation, ...]:
        return tuple(_SEAL_CITATIONS.get(c, c) for c in citations)

    return LevelDefinition(
        level=definition.level,
        name=definition.name.replace("signature", "seal"),
        defined_in=cite(definition.defined_in),
        requirements=tuple(
            Requirement(
                id=r.id,
                level=r.level,
                title=_SEAL_TITLES.get(r.id, r.title),
                citations=cite(r.citations),
            )
            for r in definition.requirements
        ),
    )


SEAL_LEVELS: tuple[LevelDefinition, ...] = tuple(_as_seal(d) for d in LEVELS)
"""The same ladder for electronic seals (legal persons): eIDAS art. 3(25)–(27), 36, 38
and 39 in place of art. 3(10)–(12), 26, 28 and 29; the decree's articles stay (it knows
no seals: a legal person's signature is judged under art. 1, 2, 4 and 6 as any other)."""


class AdesLabel(StrEnum):
    """ETSI TS 119 172-4 labels for the validation outcome of a signature or seal."""

    QESIG = "QESig"
    QESEAL = "QESeal"
    ADESIG_QC = "AdESig-QC"
    ADESEAL_QC = "AdESeal-QC"
    ADESIG = "AdESig"
    ADESEAL = "AdESeal"
    INDETERMINATE_ADESIG = "Indeterminate AdESig"
    INDETERMINATE_ADESEAL = "Indeterminate AdESeal"
    NOT_ADES = "NotAdES"
    UNKNOWN_QC_QSCD = "Unknown-QC-QSCD"
    """A qualified certificate of unknown type, its key in a QSCD (the lists disagree on
    the type, or the certificate names several)."""
    UNKNOWN_QC = "Unknown-QC"
    UNKNOWN = "Unknown"
    """A certificate of unknown type, not qualified."""
    INDETERMINATE_QESIG = "Indeterminate QESig"
    INDETERMINATE_QESEAL = "Indeterminate QESeal"
    INDETERMINATE_UNKNOWN_QC_QSCD = "Indeterminate Unknown-QC-QSCD"
    INDETERMINATE_ADESIG_QC = "Indeterminate AdESig-QC"
    INDETERMINATE_ADESEAL_QC = "Indeterminate AdESeal-QC"
    INDETERMINATE_UNKNOWN_QC = "Indeterminate Unknown-QC"
    INDETERMINATE_UNKNOWN = "Indeterminate Unknown"
    NOT_ADES_QC_QSCD = "NotAdES-QC-QSCD"
    """Not an AdES, although supported by a qualified certificate with a QSCD."""
    NOT_ADES_QC = "NotAdES-QC"
    NA = "N/A"
    """Not applicable: the trusted lists do not determine the qualification."""
