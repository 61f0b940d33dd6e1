"""The records exported for a court or an auditor: one ZIP, signed by the CA (art. 5(k)).

The bundle holds the whole event log (``log.jsonl``, one :class:`LogEvent` a line), the
log's signed head (``head.json``), the certificate records (``certificates.jsonl``), the
audit made at export time (``audit.json``) and the CA certificate (``ca.pem``);
``SHA256SUMS`` lists the SHA-256 of each, and ``SHA256SUMS.p7s`` is a detached CAdES
signature over it, made by esig's own CAdES signing with the CA's device. Anyone can
check it with ``openssl cms -verify`` or :func:`esig.verification.verify_detached`, then
each file's digest with ``sha256sum -c``; :func:`~esig.provider.bundle_check.verify_bundle`
(``esig ca verify-bundle``) does all of it and re-audits the exported log.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from esig._io import atomic_output
from esig._model import EsigModel
from esig.provider.ca import CertificateAuthority
from esig.provider.log import canonical_json, current_head
from esig.provider.models import AuditReport
from esig.provider.records import to_certificate_record
from esig.provider.store import CertificateRow
from esig.signing.cades import sign_detached

__all__ = ["BUNDLE_FILES", "MANIFEST", "MANIFEST_SIGNATURE", "EvidenceBundle", "export_evidence"]

MANIFEST: Final = "SHA256SUMS"
"""The bundle's manifest: the SHA-256 of each file (``sha256sum`` format)."""
MANIFEST_SIGNATURE: Final = "SHA256SUMS.p7s"
"""The CA's detached CAdES signature over the manifest."""

BUNDLE_FILES: Final = ("log.jsonl", "head.json", "certificates.jsonl", "audit.json", "ca.pem")
"""The files the signed manifest covers, in its order."""


class EvidenceBundle(EsigModel):
    """What :func:`export_evidence` wrote."""

    path: Path
    """The ZIP file."""
    records: int
    """How many log records it holds."""
    certificates: int
    """How many certificate records it holds."""
    audit: AuditReport
    """The audit made when it was exported (a bundle of broken records says so)."""
    manifest_sha256: str
    """SHA-256 of its ``SHA256SUMS``, the signed manifest."""


def export_evidence(ca: CertificateAuthority, output: str | os.PathLike[str]) -> EvidenceBundle:
    """Write the provider's records and their signed manifest to the ZIP ``output``, atomically.

    Raises:
        OutputError: ``output`` cannot be written.
        SigningError: The CA's device could not sign the manifest.

    """
    audit = ca.audit()
    events = ca.events()
    with ca.store.transaction() as session:
        rows = session.scalars(select(CertificateRow).order_by(CertificateRow.event_sequence))
        certificates = [to_certificate_record(row) for row in rows]
        head = current_head(session)
        signed_head = (
            {}
            if head is None
            else {
                "sequence": head.sequence,
                "record_hash": head.record_hash,
                "signature": head.signature,
            }
        )
    contents = {
        "log.jsonl": "".join(event.model_dump_json() + "\n" for event in events).encode(),
        "head.json": canonical_json(signed_head).encode(),
        "certificates.jsonl": "".join(c.model_dump_json() + "\n" for c in certificates).encode(),
        "audit.json": audit.model_dump_json(indent=2).encode(),
        "ca.pem": ca.certificate.public_bytes(Encoding.PEM),
    }
    manifest = "".join(
        f"{hashlib.sha256(contents[name]).hexdigest()}  {name}\n" for name in BUNDLE_FILES
    ).encode()
    with tempfile.TemporaryDirectory(prefix="esig-export-") as folder:
        manifest_path = Path(folder) / MANIFEST
        manifest_path.write_bytes(manifest)
        signature_path = Path(folder) / MANIFEST_SIGNATURE
        sign_detached(manifest_path, signature_path, ca.signer.device)
        signature = signature_path.read_bytes()
    with atomic_output(output) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in BUNDLE_FILES:
            zf.writestr(name, contents[name])
        zf.writestr(MANIFEST, manifest)
        zf.writestr(MANIFEST_SIGNATURE, signature)
    return EvidenceBundle(
        path=Path(output),
        records=len(events),
        certificates=len(certificates),
        audit=audit,
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
    )
