"""The law as data: citations to the BES decree and to eIDAS.

Every legal finding esig reports carries a :class:`Citation`. Citations are values
(frozen, hashable, comparable) with a canonical label such as ``BES art. 3(b)`` or
``eIDAS art. 26(d)``, and a short English summary of what the provision asks.

The two instruments:

* **BES** — *Besluit elektronische handtekeningen, certificaten en
  certificatiedienstverleners BES*, the decree on electronic signatures for Bonaire,
  Sint Eustatius and Saba (mirrors EU Directive 1999/93/EC).
* **eIDAS** — Regulation (EU) No 910/2014.

Beside the law, :class:`ETSI` cites the PAdES standard ETSI EN 319 142-1 (clauses, not
articles: ``EN 319 142-1 clause 6.3(l)``), for the baseline conformance check.

Named citations live in the namespaces :class:`BES` and :class:`EIDAS`::

    >>> from esig.law import BES
    >>> str(BES.ART_3_B)
    'BES art. 3(b)'
    >>> BES.ART_3_B.summary
    'the signature is reliably verified and the result correctly displayed'

The summaries are our translation; the Dutch original is authoritative.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import computed_field

from esig._model import EsigModel

__all__ = ["BES", "EIDAS", "ETSI", "Citation", "Instrument", "all_citations"]


class Instrument(StrEnum):
    """A legal instrument that esig cites."""

    BES = "BES"
    """The BES decree on electronic signatures (Bonaire, Sint Eustatius and Saba)."""

    EIDAS = "eIDAS"
    """Regulation (EU) No 910/2014."""

    EN_319_142_1 = "EN 319 142-1"
    """ETSI EN 319 142-1 V1.1.1, PAdES digital signatures, part 1: building blocks and
    PAdES baseline signatures. A standard, not law: its provisions are clauses, so its
    labels read ``EN 319 142-1 clause 6.3(l)`` (``article`` 6, ``paragraph`` 3, the
    lettered additional requirement as ``letter``)."""

    EN_319_132_1 = "EN 319 132-1"
    """ETSI EN 319 132-1 V1.2.1, XAdES digital signatures, part 1: building blocks and
    XAdES baseline signatures. A standard, cited by clause like EN 319 142-1:
    ``EN 319 132-1 clause 5.5.2`` (``article`` 5, ``paragraph`` 5, ``point`` 2)."""


class Citation(EsigModel):
    """A pointer to one provision: instrument, article and optional subdivisions.

    The label follows the usual style: ``BES art. 2(1)(a)(3°)``, ``eIDAS art. 3(12)``.
    Two citations are equal when they point to the same provision.
    """

    instrument: Instrument
    """Which instrument is cited."""

    article: int
    """Article number."""

    paragraph: int | None = None
    """Numbered paragraph (lid), where the article has them."""

    letter: str | None = None
    """Lettered item (a, b, …)."""

    point: str | None = None
    """Numbered point inside a letter (1°, 2°, …)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def label(self) -> str:
        """The canonical label, e.g. ``BES art. 3(b)``, ``EN 319 142-1 clause 6.3(l)``."""
        if self.instrument is Instrument.EN_319_132_1:
            numbers = (self.article, self.paragraph, self.point)
            clause = ".".join(str(n) for n in numbers if n is not None)
            parts = [f"{self.instrument.value} clause {clause}"]
            subs: tuple[str | int | None, ...] = (self.letter,)
        elif self.instrument is Instrument.EN_319_142_1:
            clause = ".".join(str(n) for n in (self.article, self.paragraph) if n is not None)
            parts = [f"{self.instrument.value} clause {clause}"]
            subs = (self.letter, self.point)
        else:
            parts = [f"{self.instrument.value} art. {self.article}"]
            subs = (self.paragraph, self.letter, self.point)
        for sub in subs:
            if sub is not None:
                parts.append(f"({sub})")
        return "".join(parts)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> str:
        """What the provision asks, in one line (our translation)."""
        return _SUMMARIES.get(self.label, "")

    def __str__(self) -> str:
        return self.label


def _bes(
    article: int,
    letter: str | None = None,
    *,
    paragraph: int | None = None,
    point: str | None = None,
) -> Citation:
    return Citation(
        instrument=Instrument.BES, article=article, paragraph=paragraph, letter=letter, point=point
    )


def _eidas(article: int, paragraph: int | None = None, letter: str | None = None) -> Citation:
    return Citation(
        instrument=Instrument.EIDAS, article=article, paragraph=paragraph, letter=letter
    )


class BES:
    """Citations to the BES decree, article 1–6."""

    ART_1: ClassVar[Citation] = _bes(1)
    ART_1_A: ClassVar[Citation] = _bes(1, "a")
    ART_1_B: ClassVar[Citation] = _bes(1, "b")
    ART_1_C: ClassVar[Citation] = _bes(1, "c")
    ART_1_D: ClassVar[Citation] = _bes(1, "d")

    ART_2: ClassVar[Citation] = _bes(2)
    ART_2_1_A_1: ClassVar[Citation] = _bes(2, "a", paragraph=1, point="1°")
    ART_2_1_A_2: ClassVar[Citation] = _bes(2, "a", paragraph=1, point="2°")
    ART_2_1_A_3: ClassVar[Citation] = _bes(2, "a", paragraph=1, point="3°")
    ART_2_1_B: ClassVar[Citation] = _bes(2, "b", paragraph=1)
    ART_2_2: ClassVar[Citation] = _bes(2, paragraph=2)

    ART_3: ClassVar[Citation] = _bes(3)
    ART_3_A: ClassVar[Citation] = _bes(3, "a")
    ART_3_B: ClassVar[Citation] = _bes(3, "b")
    ART_3_C: ClassVar[Citation] = _bes(3, "c")
    ART_3_D: ClassVar[Citation] = _bes(3, "d")
    ART_3_E: ClassVar[Citation] = _bes(3, "e")
    ART_3_F: ClassVar[Citation] = _bes(3, "f")
    ART_3_G: ClassVar[Citation] = _bes(3, "g")

    ART_4: ClassVar[Citation] = _bes(4)
    ART_4_1: ClassVar[Citation] = _bes(4, paragraph=1)
    ART_4_2: ClassVar[Citation] = _bes(4, paragraph=2)
    ART_4_3: ClassVar[Citation] = _bes(4, paragraph=3)
    ART_4_4: ClassVar[Citation] = _bes(4, paragraph=4)
    ART_4_5: ClassVar[Citation] = _bes(4, paragraph=5)
    ART_4_6: ClassVar[Citation] = _bes(4, paragraph=6)

    ART_5: ClassVar[Citation] = _bes(5)
    ART_5_A: ClassVar[Citation] = _bes(5, "a")
    ART_5_B: ClassVar[Citation] = _bes(5, "b")
    ART_5_C: ClassVar[Citation] = _bes(5, "c")
    ART_5_D: ClassVar[Citation] = _bes(5, "d")
    ART_5_E: ClassVar[Citation] = _bes(5, "e")
    ART_5_F: ClassVar[Citation] = _bes(5, "f")
    ART_5_G: ClassVar[Citation] = _bes(5, "g")
    ART_5_H: ClassVar[Citation] = _bes(5, "h")
    ART_5_I: ClassVar[Citation] = _bes(5, "i")
    ART_5_J: ClassVar[Citation] = _bes(5, "j")
    ART_5_K: ClassVar[Citation] = _bes(5, "k")
    ART_5_L: ClassVar[Citation] = _bes(5, "l")
    ART_5_M: ClassVar[Citation] = _bes(5, "m")
    ART_5_N: ClassVar[Citation] = _bes(5, "n")

    ART_6: ClassVar[Citation] = _bes(6)
    ART_6_1_A: ClassVar[Citation] = _bes(6, "a", paragraph=1)
    ART_6_1_B: ClassVar[Citation] = _bes(6, "b", paragraph=1)
    ART_6_1_C: ClassVar[Citation] = _bes(6, "c", paragraph=1)
    ART_6_1_D: ClassVar[Citation] = _bes(6, "d", paragraph=1)
    ART_6_1_E: ClassVar[Citation] = _bes(6, "e", paragraph=1)
    ART_6_1_F: ClassVar[Citation] = _bes(6, "f", paragraph=1)
    ART_6_1_G: ClassVar[Citation] = _bes(6, "g", paragraph=1)
    ART_6_1_H: ClassVar[Citation] = _bes(6, "h", paragraph=1)
    ART_6_2: ClassVar[Citation] = _bes(6, paragraph=2)


class EIDAS:
    """Citations to Regulation (EU) No 910/2014 (eIDAS)."""

    ART_3_10: ClassVar[Citation] = _eidas(3, 10)
    ART_3_11: ClassVar[Citation] = _eidas(3, 11)
    ART_3_12: ClassVar[Citation] = _eidas(3, 12)
    ART_3_15: ClassVar[Citation] = _eidas(3, 15)
    ART_3_23: ClassVar[Citation] = _eidas(3, 23)
    ART_3_25: ClassVar[Citation] = _eidas(3, 25)
    ART_3_26: ClassVar[Citation] = _eidas(3, 26)
    ART_3_27: ClassVar[Citation] = _eidas(3, 27)
    ART_3_34: ClassVar[Citation] = _eidas(3, 34)
    ART_22: ClassVar[Citation] = _eidas(22)
    ART_25: ClassVar[Citation] = _eidas(25)
    ART_26: ClassVar[Citation] = _eidas(26)
    ART_26_A: ClassVar[Citation] = _eidas(26, letter="a")
    ART_26_B: ClassVar[Citation] = _eidas(26, letter="b")
    ART_26_C: ClassVar[Citation] = _eidas(26, letter="c")
    ART_26_D: ClassVar[Citation] = _eidas(26, letter="d")
    ART_28: ClassVar[Citation] = _eidas(28)
    ART_29: ClassVar[Citation] = _eidas(29)
    ART_32: ClassVar[Citation] = _eidas(32)
    ART_32_1_A: ClassVar[Citation] = _eidas(32, 1, "a")
    ART_32_1_B: ClassVar[Citation] = _eidas(32, 1, "b")
    ART_35: ClassVar[Citation] = _eidas(35)
    ART_36: ClassVar[Citation] = _eidas(36)
    ART_36_A: ClassVar[Citation] = _eidas(36, letter="a")
    ART_36_B: ClassVar[Citation] = _eidas(36, letter="b")
    ART_36_C: ClassVar[Citation] = _eidas(36, letter="c")
    ART_36_D: ClassVar[Citation] = _eidas(36, letter="d")
    ART_38: ClassVar[Citation] = _eidas(38)
    ART_39: ClassVar[Citation] = _eidas(39)
    ART_41_2: ClassVar[Citation] = _eidas(41, 2)
    ART_42: ClassVar[Citation] = _eidas(42)
    ART_52: ClassVar[Citation] = _eidas(52)


class ETSI:
    """Citations to ETSI EN 319 142-1 (PAdES) and EN 319 132-1 (XAdES) baselines.

    ``CLAUSE_XADES_…`` cite ETSI EN 319 132-1 V1.2.1 (XAdES baseline signatures).

    Clause 6.3 holds the requirements per baseline level: its table 1 (which elements
    each level needs) and the lettered additional requirements.
    """

    CLAUSE_6_3: ClassVar[Citation] = Citation(
        instrument=Instrument.EN_319_142_1, article=6, paragraph=3
    )
    CLAUSE_6_3_C: ClassVar[Citation] = Citation(
        instrument=Instrument.EN_319_142_1, article=6, paragraph=3, letter="c"
    )
    CLAUSE_6_3_L: ClassVar[Citation] = Citation(
        instrument=Instrument.EN_319_142_1, article=6, paragraph=3, letter="l"
    )
    CLAUSE_6_3_Y: ClassVar[Citation] = Citation(
        instrument=Instrument.EN_319_142_1, article=6, paragraph=3, letter="y"
    )
    CLAUSE_XADES_5_4: ClassVar[Citation] = Citation(
        instrument=Instrument.EN_319_132_1, article=5, paragraph=4
    )
    """XAdES: the validation data values (CertificateValues, RevocationValues)."""
    CLAUSE_XADES_5_5_1: ClassVar[Citation] = Citation(
        instrument=Instrument.EN_319_132_1, article=5, paragraph=5, point="1"
    )
    """XAdES: TimeStampValidationData."""
    CLAUSE_XADES_5_5_2: ClassVar[Citation] = Citation(
        instrument=Instrument.EN_319_132_1, article=5, paragraph=5, point="2"
    )
    """XAdES: ArchiveTimeStamp and the data it covers."""
    CLAUSE_XADES_6_3: ClassVar[Citation] = Citation(
        instrument=Instrument.EN_319_132_1, article=6, paragraph=3
    )
    """XAdES: the requirements of each baseline level (B-B to B-LTA)."""


def all_citations() -> tuple[Citation, ...]:
    """Every named citation in :class:`BES`, :class:`EIDAS` and :class:`ETSI`, in order."""
    found: list[Citation] = []
    for namespace in (BES, EIDAS, ETSI):
        for name, value in vars(namespace).items():
            if name.startswith(("ART_", "CLAUSE_")) and isinstance(value, Citation):
                found.append(value)
    return tuple(found)


_SUMMARIES: dict[str, str] = {
    # BES art. 1 — requirements of an electronic signature
    "BES art. 1": "requirements of an electronic signature",
    "BES art. 1(a)": "uniquely linked to the person using it, to the exclusion of others",
    "BES art. 1(b)": "can be verified at any time",
    "BES art. 1(c)": "control over it rests exclusively with the person using it",
    "BES art. 1(d)": "linked to the data so that any change to the data invalidates it",
    # BES art. 2 — secure signature creation devices
    "BES art. 2": "secure means of creating signatures",
    "BES art. 2(1)(a)(1°)": "signature creation data occur only once and stay confidential",
    "BES art. 2(1)(a)(2°)": (
        "signature creation data cannot be derived; the signature is protected against "
        "forgery with current technology"
    ),
    "BES art. 2(1)(a)(3°)": (
        "the legitimate signatory can reliably protect the creation data against use by others"
    ),
    "BES art. 2(1)(b)": (
        "the data to be signed are not altered and are shown to the signatory before signing"
    ),
    "BES art. 2(2)": (
        "before signing, the signatory is informed of the risks of the chosen technique, "
        "also compared with other techniques"
    ),
    # BES art. 3 — secure verification
    "BES art. 3": "secure verification",
    "BES art. 3(a)": "the data used to verify match the data shown to the verifier",
    "BES art. 3(b)": "the signature is reliably verified and the result correctly displayed",
    "BES art. 3(c)": "the verifier can reliably establish the content of the signed data",
    "BES art. 3(d)": (
        "authenticity and validity of the certificate required for verification are reliably "
        "checked"
    ),
    "BES art. 3(e)": "the verification result and the signatory's identity are correctly shown",
    "BES art. 3(f)": "use of a pseudonym is clearly indicated",
    "BES art. 3(g)": "any change affecting security can be detected",
    # BES art. 4 — recognition of certification service providers
    "BES art. 4": "certification service providers must be recognised by the Minister",
    "BES art. 4(1)": "a certification service provider may only offer services once recognised",
    "BES art. 4(2)": "the recognition is granted by the Minister of Economic Affairs",
    "BES art. 4(3)": "the recognition is granted when the requirements of art. 5 are met",
    "BES art. 4(4)": "a recognition can be withdrawn on request or when art. 5 is no longer met",
    "BES art. 4(5)": "a withdrawal follows a grace period of at most two weeks",
    "BES art. 4(6)": "the Minister keeps a public register of recognitions and withdrawals",
    # BES art. 5 — requirements for CSPs
    "BES art. 5": "requirements for certification service providers",
    "BES art. 5(a)": (
        "the provider can show that it meets requirements of reliability in offering "
        "certification services"
    ),
    "BES art. 5(b)": "fast and secure service both in issuing and in revoking certificates",
    "BES art. 5(c)": "the provider ensures that art. 6 (content of certificates) is complied with",
    "BES art. 5(d)": "date and time of issuance and revocation can be established precisely",
    "BES art. 5(e)": (
        "the identity, and where relevant the specific attributes, of the person a certificate "
        "is issued to are verified by suitable means, under the law of the provider's country"
    ),
    "BES art. 5(f)": (
        "staff with the expert knowledge, experience and qualifications the services need, "
        "in management, signature technology and good security procedures"
    ),
    "BES art. 5(g)": (
        "adequate administrative and management procedures meeting recognised standards"
    ),
    "BES art. 5(h)": (
        "trustworthy systems and products, protected against modification, that ensure the "
        "technical and cryptographic security of the processes they support"
    ),
    "BES art. 5(i)": (
        "measures against forgery of certificates; where the provider generates signature "
        "creation data, the confidentiality of that process is guaranteed"
    ),
    "BES art. 5(j)": (
        "sufficient financial resources to operate under the BES act on electronic contracts, "
        "in particular to bear liability for damages"
    ),
    "BES art. 5(k)": "relevant information about a certificate is kept as evidence",
    "BES art. 5(l)": "the provider never stores or copies a customer's signature creation data",
    "BES art. 5(m)": "the customer is told the exact conditions of use, in plain language",
    "BES art. 5(n)": "certificates are stored so that changes are authorised and apparent",
    # BES art. 6 — content of a certificate
    "BES art. 6": "content of a certificate",
    "BES art. 6(1)(a)": "identification and country of the issuing provider",
    "BES art. 6(1)(b)": "name of the signatory, or a pseudonym identified as such",
    "BES art. 6(1)(c)": "a specific attribute of the signatory, where relevant",
    "BES art. 6(1)(d)": "signature verification data matching the creation data",
    "BES art. 6(1)(e)": "start and end of the validity period",
    "BES art. 6(1)(f)": "identity code of the certificate",
    "BES art. 6(1)(g)": "advanced electronic signature of the issuing provider",
    "BES art. 6(1)(h)": "limits on use, including a limit on transaction value, where applicable",
    "BES art. 6(2)": "the Minister may exempt a provider from certificate fields",
    # eIDAS
    "eIDAS art. 3(10)": "definition of an electronic signature",
    "eIDAS art. 3(11)": "definition of an advanced electronic signature",
    "eIDAS art. 3(12)": (
        "qualified electronic signature: advanced, created by a qualified signature creation "
        "device and based on a qualified certificate"
    ),
    "eIDAS art. 3(15)": "definition of a qualified certificate for electronic signatures",
    "eIDAS art. 3(23)": "definition of a qualified signature creation device",
    "eIDAS art. 3(25)": "definition of an electronic seal",
    "eIDAS art. 3(26)": "definition of an advanced electronic seal",
    "eIDAS art. 3(27)": "definition of a qualified electronic seal",
    "eIDAS art. 3(34)": "definition of a qualified electronic time stamp",
    "eIDAS art. 22": "trusted lists of qualified trust service providers",
    "eIDAS art. 25": "legal effects of electronic signatures",
    "eIDAS art. 26": "requirements for advanced electronic signatures",
    "eIDAS art. 26(a)": "uniquely linked to the signatory",
    "eIDAS art. 26(b)": "capable of identifying the signatory",
    "eIDAS art. 26(c)": (
        "created using creation data the signatory can use under their sole control"
    ),
    "eIDAS art. 26(d)": "linked to the signed data so that any later change is detectable",
    "eIDAS art. 28": "qualified certificates for electronic signatures",
    "eIDAS art. 29": "requirements for qualified signature creation devices",
    "eIDAS art. 32": "validation of qualified electronic signatures",
    "eIDAS art. 32(1)(a)": (
        "validation: at the time of signing, the supporting certificate was a qualified "
        "certificate for electronic signatures complying with Annex I"
    ),
    "eIDAS art. 32(1)(b)": (
        "validation: the qualified certificate was issued by a qualified trust service "
        "provider and was valid at the time of signing"
    ),
    "eIDAS art. 35": "legal effects of electronic seals",
    "eIDAS art. 36": "requirements for advanced electronic seals",
    "eIDAS art. 36(a)": "uniquely linked to the creator of the seal",
    "eIDAS art. 36(b)": "capable of identifying the creator of the seal",
    "eIDAS art. 36(c)": (
        "created using seal creation data the creator of the seal can, with a high level of "
        "confidence under its control, use"
    ),
    "eIDAS art. 36(d)": "linked to the data it relates to so that any later change is detectable",
    "eIDAS art. 38": "qualified certificates for electronic seals",
    "eIDAS art. 39": "qualified electronic seal creation devices",
    "eIDAS art. 41(2)": "a qualified electronic time stamp enjoys the presumption of the "
    "accuracy of the date and time it indicates and of the integrity of the data it is bound to",
    "eIDAS art. 42": "requirements for qualified electronic time stamps (bound to the data, "
    "accurate UTC, signed by a qualified trust service provider)",
    "eIDAS art. 52": "entry into force; the Regulation applies from 1 July 2016",
    # ETSI EN 319 142-1 V1.1.1 — PAdES baseline signatures (a standard, not law)
    "EN 319 142-1 clause 6.3": "the elements each PAdES baseline level (B-B to B-LTA) requires",
    "EN 319 142-1 clause 6.3(c)": "the content-type signed attribute has the value id-data",
    "EN 319 142-1 clause 6.3(l)": "the signature dictionary's SubFilter is ETSI.CAdES.detached",
    "EN 319 142-1 clause 6.3(y)": (
        "B-LTA: a document timestamp (SubFilter ETSI.RFC3161) covers the validation data"
    ),
    # ETSI EN 319 132-1 V1.2.1 — XAdES baseline signatures (a standard, not law)
    "EN 319 132-1 clause 5.4": (
        "XAdES validation data: CertificateValues and RevocationValues in the unsigned "
        "signature properties"
    ),
    "EN 319 132-1 clause 5.5.1": (
        "XAdES TimeStampValidationData: the validation data of a timestamp's TSA"
    ),
    "EN 319 132-1 clause 5.5.2": (
        "XAdES ArchiveTimeStamp: a timestamp over the references, SignedInfo, SignatureValue, "
        "KeyInfo and the unsigned properties before it"
    ),
    "EN 319 132-1 clause 6.3": "the elements each XAdES baseline level (B-B to B-LTA) requires",
}
