"""The vocabulary and the validation objects of an ETSI TS 119 102-2 validation report.

The URIs the report uses (main and sub-indications, validation processes, object types,
proofs of existence, the TS 119 172-4 labels, algorithms), and
:class:`ValidationObjects`: the ``SignatureValidationObjects`` section, where every
certificate, timestamp token, OCSP response and CRL that a validation used appears once,
with an ``id`` the signature reports refer to. :mod:`esig.verification.etsi_report`
builds the report with them.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from esig.level_ladder import AdesLabel
from esig.verification.report_parts import (
    CertificateSummary,
    Indication,
    RevocationToken,
    SubIndication,
    TimestampToken,
)

__all__ = [
    "DS_NS",
    "ESIG_NS",
    "VR_NS",
    "XADES_NS",
    "ValidationObjects",
    "digest_method_uri",
    "label_uri",
    "main_indication_uri",
    "signature_algorithm_uri",
    "sub_indication_uri",
]

VR_NS = "http://uri.etsi.org/19102/v1.4.1#"
"""The namespace of ETSI TS 119 102-2 v1.4.1."""
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
"""XML-DSig's namespace (``ds:DigestMethod``, ``ds:SignatureValue`` …)."""
XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
"""XAdES v1.3.2's namespace (the types of ``DigestAlgAndValue``)."""
ESIG_NS = "urn:esig:validation-report:1"
"""The namespace of esig's extension: the legal findings, the level, TS 119 615's steps."""

NSMAP = {"vr": VR_NS, "ds": DS_NS, "XAdES": XADES_NS}

_MAIN = {
    Indication.TOTAL_PASSED: "urn:etsi:019102:mainindication:total-passed",
    Indication.TOTAL_FAILED: "urn:etsi:019102:mainindication:total-failed",
    Indication.INDETERMINATE: "urn:etsi:019102:mainindication:indeterminate",
}

# TS 119 102-2 defines no URIs for the TS 119 172-4 labels; DSS's are what validators
# exchange (eu.europa.esig.dss.enumerations.SignatureQualification).
_DSS_LABEL = "urn:cef:dss:signatureQualification:"
_LABELS = {
    AdesLabel.QESIG: "QESig",
    AdesLabel.QESEAL: "QESeal",
    AdesLabel.ADESIG_QC: "AdESigQC",
    AdesLabel.ADESEAL_QC: "AdESealQC",
    AdesLabel.ADESIG: "AdESig",
    AdesLabel.ADESEAL: "AdESeal",
    AdesLabel.INDETERMINATE_ADESIG: "indeterminateAdESig",
    AdesLabel.INDETERMINATE_ADESEAL: "indeterminateAdESeal",
    AdesLabel.NOT_ADES: "notAdES",
    AdesLabel.UNKNOWN_QC_QSCD: "UnknownQCwithQSCD",
    AdesLabel.UNKNOWN_QC: "UnknownQC",
    AdesLabel.UNKNOWN: "Unknown",
    AdesLabel.INDETERMINATE_QESIG: "indeterminateQESig",
    AdesLabel.INDETERMINATE_QESEAL: "indeterminateQESeal",
    AdesLabel.INDETERMINATE_UNKNOWN_QC_QSCD: "indeterminateUnknownQCwithQSCD",
    AdesLabel.INDETERMINATE_ADESIG_QC: "indeterminateAdESigQC",
    AdesLabel.INDETERMINATE_ADESEAL_QC: "indeterminateAdESealQC",
    AdesLabel.INDETERMINATE_UNKNOWN_QC: "indeterminateUnknownQC",
    AdesLabel.INDETERMINATE_UNKNOWN: "indeterminateUnknown",
    AdesLabel.NOT_ADES_QC_QSCD: "notAdESbutQCwithQSCD",
    AdesLabel.NOT_ADES_QC: "notAdESbutQC",
    AdesLabel.NA: "notApplicable",
}

_DIGESTS = {
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
    "sha224": "http://www.w3.org/2001/04/xmldsig-more#sha224",
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
    "sha3_256": "http://www.w3.org/2007/05/xmldsig-more#sha3-256",
    "sha3_384": "http://www.w3.org/2007/05/xmldsig-more#sha3-384",
    "sha3_512": "http://www.w3.org/2007/05/xmldsig-more#sha3-512",
}
_MORE = "http://www.w3.org/2001/04/xmldsig-more#"
_SIGNATURES = {
    ("rsassa_pkcs1v15", "sha1"): "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    ("dsa", "sha1"): "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
    ("dsa", "sha256"): "http://www.w3.org/2009/xmldsig11#dsa-sha256",
    **{("rsassa_pkcs1v15", d): f"{_MORE}rsa-{d}" for d in ("sha224", "sha256", "sha384", "sha512")},
    **{("ecdsa", d): f"{_MORE}ecdsa-{d}" for d in ("sha1", "sha224", "sha256", "sha384", "sha512")},
    **{
        ("rsassa_pss", d): f"http://www.w3.org/2007/05/xmldsig-more#{d}-rsa-MGF1"
        for d in ("sha224", "sha256", "sha384", "sha512")
    },
    ("ed25519", "sha512"): "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519",
    ("ed448", "shake256"): "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed448",
}
_SIGNATURE_ALIASES = {
    "rsa": "rsassa_pkcs1v15",
    "sha1_rsa": "rsassa_pkcs1v15",
    "sha224_rsa": "rsassa_pkcs1v15",
    "sha256_rsa": "rsassa_pkcs1v15",
    "sha384_rsa": "rsassa_pkcs1v15",
    "sha512_rsa": "rsassa_pkcs1v15",
    "sha1_ecdsa": "ecdsa",
    "sha224_ecdsa": "ecdsa",
    "sha256_ecdsa": "ecdsa",
    "sha384_ecdsa": "ecdsa",
    "sha512_ecdsa": "ecdsa",
}

OBJECT_CERTIFICATE = "urn:etsi:019102:validationObject:certificate"
OBJECT_CRL = "urn:etsi:019102:validationObject:CRL"
OBJECT_OCSP = "urn:etsi:019102:validationObject:OCSPResponse"
OBJECT_TIMESTAMP = "urn:etsi:019102:validationObject:timestamp"
POE_VALIDATION = "urn:etsi:019102:poetype:validation"
"""TypeOfProof: the proof of existence was established by the validation itself."""


def main_indication_uri(indication: Indication) -> str:
    """The ``MainIndication`` URI of an EN 319 102-1 indication."""
    return _MAIN[indication]


def sub_indication_uri(sub: SubIndication) -> str | None:
    """The ``SubIndication`` URI of EN 319 102-1 (None: esig's GENERIC has none)."""
    if sub is SubIndication.GENERIC:
        return None
    return f"urn:etsi:019102:subindication:{sub.value}"


def label_uri(label: AdesLabel) -> str:
    """The ``SignatureQualityInformation`` URI of a TS 119 172-4 label (DSS's URNs)."""
    return _DSS_LABEL + _LABELS[label]


def digest_method_uri(name: str) -> str | None:
    """The XML-DSig URI of a digest algorithm named as pyHanko names it (``sha256``)."""
    return _DIGESTS.get(name.lower().replace("-", "_"))


def signature_algorithm_uri(mechanism: str, digest: str) -> str | None:
    """The XML-DSig URI of a signature mechanism with its digest, None when unknown."""
    name = mechanism.lower()
    name = _SIGNATURE_ALIASES.get(name, name)
    return _SIGNATURES.get((name, digest.lower().replace("-", "_")))


def sub(parent: Any, namespace: str, tag: str, text: str | None = None, **attrs: str) -> Any:
    """A child element ``{namespace}tag`` of ``parent``, with text and attributes."""
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def xml_time(moment: dt.datetime) -> str:
    """An ``xs:dateTime`` in UTC, seconds precision (``2026-01-02T03:04:05Z``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def digest_alg_and_value(parent: Any, tag: str, sha256_hex: str) -> Any:
    """A ``DigestAlgAndValue``-typed element (XAdES) holding a SHA-256 digest."""
    element = sub(parent, VR_NS, tag)
    sub(element, DS_NS, "DigestMethod", Algorithm=_DIGESTS["sha256"])
    sub(element, DS_NS, "DigestValue", base64.b64encode(bytes.fromhex(sha256_hex)).decode())
    return element


@dataclass
class _Object:
    kind: str
    sha256: str
    poe: dt.datetime
    poe_object: str | None = None
    provides_for: list[str] = field(default_factory=list)
    """Timestamps: the objects and signature fields their time proves (POEProvisioning)."""
    fields: list[str] = field(default_factory=list)
    time: dt.datetime | None = None


class ValidationObjects:
    """The validation objects of a report: each once, by id, with its proof of existence.

    ``validated_at`` is the proof every object has: it existed when it was validated.
    An earlier one (a trusted timestamp over the signature) replaces it where known.
    """

    def __init__(self, validated_at: dt.datetime) -> None:
        self._validated_at = validated_at
        self._objects: dict[str, _Object] = {}

    def _add(self, prefix: str, kind: str, sha256: str) -> tuple[str, _Object]:
        ident = f"{prefix}-{sha256.upper()}"
        known = self._objects.get(ident)
        if known is None:
            known = self._objects[ident] = _Object(kind, sha256, self._validated_at)
        return ident, known

    def certificate(
        self, cert: CertificateSummary, *, proven: dt.datetime | None = None, by: str | None = None
    ) -> str:
        """The id of a certificate's object; ``proven``: an earlier proof, from ``by``."""
        ident, obj = self._add("C", OBJECT_CERTIFICATE, cert.sha256_fingerprint)
        if proven is not None and proven < obj.poe:
            obj.poe, obj.poe_object = proven, by
        return ident

    def timestamp(self, token: TimestampToken, field_name: str | None) -> str | None:
        """The id of a signature timestamp's object (None: its token was not read).

        ``field_name``: the PDF signature field whose existence the token proves.
        """
        if token.token_sha256 is None:
            return None
        ident, obj = self._add("T", OBJECT_TIMESTAMP, token.token_sha256)
        obj.time = token.time
        if field_name is not None and field_name not in obj.fields:
            obj.fields.append(field_name)
        return ident

    def proves(self, timestamp: str, obj: str) -> None:
        """Record that the timestamp ``timestamp`` proves that ``obj`` existed at its time."""
        provides = self._objects[timestamp].provides_for
        if obj not in provides:
            provides.append(obj)

    def revocation(self, token: RevocationToken) -> str:
        """The id of an OCSP response's or a CRL's object."""
        kind = OBJECT_OCSP if token.kind == "OCSP" else OBJECT_CRL
        return self._add("R", kind, token.sha256)[0]

    def __len__(self) -> int:
        """How many objects there are."""
        return len(self._objects)

    def element(self, parent: Any) -> Any:
        """Append ``SignatureValidationObjects`` to ``parent`` (nothing when there is none)."""
        if not self._objects:
            return None
        section = sub(parent, VR_NS, "SignatureValidationObjects")
        for ident, obj in self._objects.items():
            vo = sub(section, VR_NS, "ValidationObject", id=ident)
            sub(vo, VR_NS, "ObjectType", obj.kind)
            representation = sub(vo, VR_NS, "ValidationObjectRepresentation")
            digest_alg_and_value(representation, "DigestAlgAndValue", obj.sha256)
            poe = sub(vo, VR_NS, "POE")
            sub(poe, VR_NS, "POETime", xml_time(obj.poe))
            sub(poe, VR_NS, "TypeOfProof", POE_VALIDATION)
            if obj.poe_object is not None:
                sub(poe, VR_NS, "POEObject", VOReference=obj.poe_object)
            if obj.time is not None:
                provisioning = sub(vo, VR_NS, "POEProvisioning")
                sub(provisioning, VR_NS, "POETime", xml_time(obj.time))
                for proven in obj.provides_for:
                    sub(provisioning, VR_NS, "ValidationObject", VOReference=proven)
                for name in obj.fields:
                    reference = sub(provisioning, VR_NS, "SignatureReference")
                    sub(reference, VR_NS, "PAdESFieldName", name)
        return section
