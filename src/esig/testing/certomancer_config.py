"""The certomancer configuration behind :mod:`esig.testing.services`.

One PKI architecture (labelled ``esig``) with:

==================  ==========================================================
``root``            self-signed root CA; its CRL covers the intermediate
``interm``          intermediate CA; issues every end-entity certificate below
``ocsp``            the intermediate's OCSP responder (``ocspSigning``,
                    ``id-pkix-ocsp-nocheck``)
``tsa``             the RFC 3161 time-stamping unit (``timeStamping``, critical)
``signer``          a natural person (given name, surname, country, serial number)
``revoked-signer``  another natural person, revoked (key compromise) in the past
==================  ==========================================================

and, for validation in the past and for faulty timestamps and revocation data
(tests choose the validation moment; nothing waits for a clock):

=========================  ===================================================
``short-lived-signer``     a natural person whose certificate expires
                           :data:`SHORT_LIVED_DAYS` after the reference time
``later-revoked-signer``   a natural person revoked :data:`LATER_REVOKED_DAYS`
                           *after* the reference time (good when signing)
``expired-tsa``            a TSA whose certificate expired the day before the
                           reference time (it still answers)
``revoked-tsa``            a TSA revoked (key compromise) in the past
``rogue-root``             a self-signed root that is nobody's trust anchor
``rogue-tsa``              a TSA certified by ``rogue-root``
=========================  ===================================================

Besides the intermediate's OCSP responder, a second responder for the same issuer
(service ``ocsp-wrong-key``) names the real responder's certificate but signs with
another key, so its responses do not verify.

Every certificate below the root carries CRL distribution points and authority
information access (OCSP, CA issuers) under the external URL prefix, so a validator
with fetching enabled finds all revocation information on the local services. Keys
are generated with :mod:`cryptography` and written as unencrypted PKCS#8 PEM files
that the configuration refers to; certomancer has no key generation of its own.

The configuration is plain data (:func:`build_config`); :func:`write_config` writes
it as JSON, which is also YAML, so ``certomancer --config FILE animate`` can serve
the same PKI from the command line.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from esig._model import EsigModel
from esig.issuance import KeyType, PrivateKey

__all__ = [
    "ARCH_LABEL",
    "CONFIG_FILE_NAME",
    "KEY_FOLDER_NAME",
    "LATER_REVOKED_DAYS",
    "SHORT_LIVED_DAYS",
    "WRONG_KEY_OCSP_SERVICE",
    "Label",
    "ServiceUrls",
    "build_config",
    "generate_keys",
    "write_config",
    "write_private_key",
]

ARCH_LABEL = "esig"
"""The label of the PKI architecture; it is the first path segment of every service URL."""

CONFIG_FILE_NAME = "certomancer.yml"
"""The configuration file that :func:`write_config` writes (JSON, which is valid YAML)."""

KEY_FOLDER_NAME = "keys"
"""The sub-folder of the configuration folder that holds the PEM key files."""

_ORGANIZATION = "esig Test Trust Services"
_COUNTRY = "BQ"
_ORGANIZATION_IDENTIFIER = "NTRBQ-00000000"

SHORT_LIVED_DAYS = 30
"""Days after the reference time at which the ``short-lived-signer`` certificate expires."""

LATER_REVOKED_DAYS = 10
"""Days after the reference time at which ``later-revoked-signer`` is revoked."""

WRONG_KEY_OCSP_SERVICE = "ocsp-wrong-key"
"""The OCSP service whose responses are signed with a key that is not the responder's."""

_CRL_UPDATE_SCHEDULE = "P1D"
"""Simulated CRL update period: the latest CRL is at most a day old, the next one due
within a day, so the CRL is always fresh for a validator."""


class Label(StrEnum):
    """Labels of the keys, entities and certificates in the configuration (all alike)."""

    ROOT = "root"
    INTERMEDIATE = "interm"
    OCSP_RESPONDER = "ocsp"
    TSA = "tsa"
    SIGNER = "signer"
    REVOKED_SIGNER = "revoked-signer"
    SHORT_LIVED_SIGNER = "short-lived-signer"
    LATER_REVOKED_SIGNER = "later-revoked-signer"
    EXPIRED_TSA = "expired-tsa"
    REVOKED_TSA = "revoked-tsa"
    ROGUE_ROOT = "rogue-root"
    ROGUE_TSA = "rogue-tsa"


class ServiceUrls(EsigModel):
    """Where the certomancer Animator serves each service, under one URL prefix."""

    base: str
    """The external URL prefix, e.g. ``http://127.0.0.1:8123`` (no trailing slash)."""
    tsa: str
    """The RFC 3161 time-stamping service (POST ``application/timestamp-query``)."""
    ocsp: str
    """The OCSP responder for certificates issued by the intermediate (POST only)."""
    crl: str
    """The latest CRL of the intermediate CA (DER)."""
    root_crl: str
    """The latest CRL of the root CA (DER); it covers the intermediate."""

    @classmethod
    def for_prefix(cls, prefix: str) -> ServiceUrls:
        """The service URLs under the external URL prefix ``prefix``."""
        base = prefix.rstrip("/")
        arch = f"{base}/{ARCH_LABEL}"
        return cls(
            base=base,
            tsa=f"{arch}/tsa/{Label.TSA}",
            ocsp=f"{arch}/ocsp/{Label.INTERMEDIATE}",
            crl=f"{arch}/crls/{Label.INTERMEDIATE}/latest.crl",
            root_crl=f"{arch}/crls/{Label.ROOT}/latest.crl",
        )


def generate_keys(folder: Path, key_type: KeyType = KeyType.RSA_2048) -> dict[Label, PrivateKey]:
    """Generate one key per :class:`Label` and write it to ``folder/keys/LABEL.key.pem``.

    The files are unencrypted PKCS#8 PEM, readable by the owner only (test keys: the
    folder is meant to be a temporary one). Returns the keys by label.
    """
    key_folder = folder / KEY_FOLDER_NAME
    key_folder.mkdir(parents=True, exist_ok=True)
    keys: dict[Label, PrivateKey] = {}
    for label in Label:
        key = key_type.generate()
        write_private_key(key_folder / f"{label}.key.pem", key)
        keys[label] = key
    return keys


def write_private_key(path: Path, key: PrivateKey) -> None:
    """Write ``key`` to ``path`` as unencrypted PKCS#8 PEM, readable by the owner only."""
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def build_config(
    external_url_prefix: str, *, now: dt.datetime, revoked_since: dt.datetime
) -> dict[str, Any]:
    """The certomancer configuration, as the dictionary certomancer reads from YAML.

    Args:
        external_url_prefix: The URL prefix baked into AIA and CRL distribution points;
            it must be where the services will be served.
        now: The reference time. CAs are valid from a year before it for 20 (root) or
            15 (intermediate) years, service certificates for 10, signers for 5.
        revoked_since: When the revoked signer was revoked; between a year before
            ``now`` and ``now``, so it falls inside the certificate's validity and
            the current CRL lists it.

    """
    start = now - dt.timedelta(days=365)

    def validity(years: int, *, days: int | None = None) -> dict[str, str]:
        end = now + dt.timedelta(days=365 * years if days is None else days)
        return {"valid-from": _certomancer_time(start), "valid-to": _certomancer_time(end)}

    def key_usage(*usages: str) -> dict[str, Any]:
        return {
            "id": "key_usage",
            "critical": True,
            "smart-value": {"schema": "key-usage", "params": list(usages)},
        }

    def crl_points(issuer: Label) -> dict[str, Any]:
        return {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [issuer]}},
        }

    def aia(issuer: Label, *, ocsp: bool) -> dict[str, Any]:
        params: dict[str, Any] = {"ca-issuer-links": [{"repo": issuer}]}
        if ocsp:
            params["ocsp-responder-names"] = [issuer]
        return {
            "id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": params},
        }

    def end_entity(*extra: dict[str, Any], years: int, days: int | None = None) -> dict[str, Any]:
        return {
            "issuer": Label.INTERMEDIATE,
            "validity": validity(years, days=days),
            "extensions": [
                *extra,
                crl_points(Label.INTERMEDIATE),
                aia(Label.INTERMEDIATE, ocsp=True),
            ],
        }

    signer_extensions = (
        key_usage("digital_signature", "non_repudiation"),
        {"id": "extended_key_usage", "value": ["email_protection"]},
    )
    tsa_extensions = (
        key_usage("digital_signature"),
        {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
    )

    def revocation(since: dt.datetime) -> dict[str, Any]:
        return {
            "revocation": {"revoked-since": _certomancer_time(since), "reason": "key_compromise"}
        }

    keys = {label.value: {"path": f"{label}.key.pem"} for label in Label}
    return {
        "external-url-prefix": external_url_prefix.rstrip("/"),
        "keysets": {ARCH_LABEL: {"path-prefix": KEY_FOLDER_NAME, "keys": keys}},
        "pki-architectures": {
            ARCH_LABEL: {
                "keyset": ARCH_LABEL,
                "entity-defaults": {"country-name": _COUNTRY},
                "entities": {
                    Label.ROOT: _provider(f"{_ORGANIZATION} Root CA"),
                    Label.INTERMEDIATE: _provider(f"{_ORGANIZATION} Qualified Signing CA"),
                    Label.OCSP_RESPONDER: _provider(f"{_ORGANIZATION} OCSP Responder"),
                    Label.TSA: _provider(f"{_ORGANIZATION} Time-Stamping Unit"),
                    Label.SIGNER: _person("Anna", "de Vries", "PNOBQ-19800101-1234"),
                    Label.REVOKED_SIGNER: _person("Bert", "Revoked", "PNOBQ-19700101-5678"),
                    Label.SHORT_LIVED_SIGNER: _person("Carl", "Brief", "PNOBQ-19750101-1111"),
                    Label.LATER_REVOKED_SIGNER: _person("Dora", "Later", "PNOBQ-19850101-2222"),
                    Label.EXPIRED_TSA: _provider(f"{_ORGANIZATION} Expired Time-Stamping Unit"),
                    Label.REVOKED_TSA: _provider(f"{_ORGANIZATION} Revoked Time-Stamping Unit"),
                    Label.ROGUE_ROOT: _provider("Rogue Root CA"),
                    Label.ROGUE_TSA: _provider("Rogue Time-Stamping Unit"),
                },
                "certs": {
                    Label.ROOT: {
                        "subject": Label.ROOT,
                        "issuer": Label.ROOT,
                        "validity": validity(20),
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            key_usage("key_cert_sign", "crl_sign"),
                        ],
                    },
                    Label.INTERMEDIATE: {
                        "issuer": Label.ROOT,
                        "validity": validity(15),
                        "extensions": [
                            {
                                "id": "basic_constraints",
                                "critical": True,
                                "value": {"ca": True, "path-len-constraint": 0},
                            },
                            key_usage("key_cert_sign", "crl_sign"),
                            crl_points(Label.ROOT),
                            aia(Label.ROOT, ocsp=False),
                        ],
                    },
                    Label.OCSP_RESPONDER: {
                        "issuer": Label.INTERMEDIATE,
                        "validity": validity(10),
                        "extensions": [
                            key_usage("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["ocsp_signing"],
                            },
                            {"id": "ocsp_no_check"},
                        ],
                    },
                    Label.TSA: end_entity(*tsa_extensions, years=10),
                    Label.SIGNER: end_entity(*signer_extensions, years=5),
                    Label.REVOKED_SIGNER: {
                        **end_entity(*signer_extensions, years=5),
                        **revocation(revoked_since),
                    },
                    Label.SHORT_LIVED_SIGNER: end_entity(
                        *signer_extensions, years=0, days=SHORT_LIVED_DAYS
                    ),
                    Label.LATER_REVOKED_SIGNER: {
                        **end_entity(*signer_extensions, years=5),
                        **revocation(now + dt.timedelta(days=LATER_REVOKED_DAYS)),
                    },
                    Label.EXPIRED_TSA: end_entity(*tsa_extensions, years=0, days=-1),
                    Label.REVOKED_TSA: {
                        **end_entity(*tsa_extensions, years=10),
                        **revocation(revoked_since),
                    },
                    Label.ROGUE_ROOT: {
                        "subject": Label.ROGUE_ROOT,
                        "issuer": Label.ROGUE_ROOT,
                        "validity": validity(20),
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            key_usage("key_cert_sign", "crl_sign"),
                        ],
                    },
                    Label.ROGUE_TSA: {
                        "issuer": Label.ROGUE_ROOT,
                        "validity": validity(10),
                        "extensions": list(tsa_extensions),
                    },
                },
                "services": {
                    "ocsp": {
                        Label.INTERMEDIATE: {
                            "for-issuer": Label.INTERMEDIATE,
                            "responder-cert": Label.OCSP_RESPONDER,
                            "signing-key": Label.OCSP_RESPONDER,
                        },
                        WRONG_KEY_OCSP_SERVICE: {
                            "for-issuer": Label.INTERMEDIATE,
                            "responder-cert": Label.OCSP_RESPONDER,
                            "signing-key": Label.TSA,
                        },
                    },
                    "crl-repo": {
                        label: {
                            "for-issuer": label,
                            "signing-key": label,
                            "simulated-update-schedule": _CRL_UPDATE_SCHEDULE,
                        }
                        for label in (Label.ROOT, Label.INTERMEDIATE)
                    },
                    "cert-repo": {
                        label: {"for-issuer": label, "publish-issued-certs": True}
                        for label in (Label.ROOT, Label.INTERMEDIATE)
                    },
                    "time-stamping": {
                        label: {"signing-key": label, "signing-cert": label}
                        for label in (
                            Label.TSA,
                            Label.EXPIRED_TSA,
                            Label.REVOKED_TSA,
                            Label.ROGUE_TSA,
                        )
                    },
                },
            }
        },
    }


def write_config(folder: Path, config: dict[str, Any]) -> Path:
    """Write ``config`` to ``folder/certomancer.yml`` (as JSON, which YAML reads)."""
    path = folder / CONFIG_FILE_NAME
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return path


def _provider(common_name: str) -> dict[str, str]:
    return {
        "organization-name": _ORGANIZATION,
        "organization-identifier": _ORGANIZATION_IDENTIFIER,
        "common-name": common_name,
    }


def _person(given_name: str, surname: str, serial_number: str) -> dict[str, str]:
    return {
        "given-name": given_name,
        "surname": surname,
        "common-name": f"{given_name} {surname}",
        "serial-number": serial_number,
    }


def _certomancer_time(moment: dt.datetime) -> str:
    """A time as certomancer's configuration writes it (ISO 8601, UTC, whole seconds)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
