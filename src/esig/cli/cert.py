"""``esig cert show``: a certificate as the decree sees it (BES art. 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from esig.cli.output import fail
from esig.errors import EsigError

__all__ = ["cert_show"]


def cert_show(
    certificate: Annotated[Path, typer.Argument(help="Certificate file (PEM, DER or PKCS#7).")],
    issuer: Annotated[
        Path | None,
        typer.Option(
            metavar="CERT",
            help="The issuer's certificate, to verify the issuer's signature (art. 6(1)(g)).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
) -> None:
    """Show a certificate's BES art. 6 profile: who, issued by whom, limits, qualified markers."""
    from esig.certificates import load_certificates
    from esig.profiles import CertificateProfile

    try:
        certs = load_certificates(certificate)
        issuer_cert = load_certificates(issuer, what="issuer certificate")[0] if issuer else None
    except EsigError as exc:
        raise fail(str(exc)) from None
    profiles = [CertificateProfile.from_certificate(c, issuer=issuer_cert) for c in certs]
    if as_json:
        body = ",\n".join(p.model_dump_json(indent=2) for p in profiles)
        typer.echo(body if len(profiles) == 1 else f"[\n{body}\n]")
    else:
        typer.echo("\n\n".join(p.to_text().rstrip("\n") for p in profiles))
