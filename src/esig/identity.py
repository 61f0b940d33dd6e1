"""Who a certificate names: the signatory's identity (BES art. 6(1)(b), (c)).

:class:`NameIdentity` reads the attributes of an X.509 distinguished name that the
decree cares about, and decides whether the name is a **pseudonym** (BES art. 3(f),
6(1)(b)): an explicit ``pseudonym`` attribute (OID 2.5.4.65), or a pseudonym marker
found in practice (a common name ending in ``:PN``, as Spanish and other EU
profiles mark pseudonyms).

Its :attr:`NameIdentity.display` text always says "(pseudonym)" when the name is one,
so every place that shows an identity shows the pseudonym flag with it.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier
from pydantic import computed_field

from esig._model import EsigModel

__all__ = ["NameIdentity", "PseudonymMarker"]

_PSEUDONYM_OID = ObjectIdentifier("2.5.4.65")
_ORGANIZATION_IDENTIFIER_OID = ObjectIdentifier("2.5.4.97")
_READABLE_ATTRIBUTE_NAMES = {
    _PSEUDONYM_OID: "pseudonym",
    _ORGANIZATION_IDENTIFIER_OID: "organizationIdentifier",
    NameOID.SERIAL_NUMBER: "serialNumber",
    NameOID.GIVEN_NAME: "givenName",
    NameOID.SURNAME: "SN",
    NameOID.TITLE: "title",
}
_PSEUDONYM_CN_SUFFIXES = (":PN", "(PN)", " - PSEUDONYM", "(PSEUDONYM)")


class PseudonymMarker(EsigModel):
    """Why a name was judged to be a pseudonym."""

    source: str
    """Where the marker was found: ``pseudonym attribute`` or ``common name suffix``."""

    value: str
    """The marker as found in the certificate."""


class NameIdentity(EsigModel):
    """The identity a distinguished name expresses.

    Built from a subject (the signatory, BES art. 6(1)(b)–(c)) or an issuer name (the
    certification service provider, BES art. 6(1)(a)). Absent attributes are ``None``.
    """

    common_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    pseudonym: str | None = None
    """The value of the ``pseudonym`` attribute (2.5.4.65), if any."""
    serial_number: str | None = None
    """The subject's ``serialNumber`` attribute (e.g. a national identity number)."""
    title: str | None = None
    organization: str | None = None
    organizational_unit: str | None = None
    organization_identifier: str | None = None
    """``organizationIdentifier`` (2.5.4.97), e.g. ``VATBE-0123456789``."""
    country: str | None = None
    locality: str | None = None
    email: str | None = None
    pseudonym_marker: PseudonymMarker | None = None
    """Set when the name is a pseudonym, with the evidence for it."""
    rfc4514: str
    """The whole name as an RFC 4514 string, for the record."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_pseudonym(self) -> bool:
        """Whether this name is a pseudonym rather than the person's real name."""
        return self.pseudonym_marker is not None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def display(self) -> str:
        """A one-line name for people, always marked when it is a pseudonym."""
        name = self._personal_name()
        if self.is_pseudonym:
            return f"{name} (pseudonym)"
        if self.title and self.organization:
            return f"{name}, {self.title}, {self.organization}"
        if self.organization and self.organization != name:
            return f"{name}, {self.organization}"
        return name

    def _personal_name(self) -> str:
        if self.pseudonym:
            return self.pseudonym
        if self.common_name:
            return self.common_name
        full = " ".join(p for p in (self.given_name, self.surname) if p)
        if full:
            return full
        return self.organization or self.rfc4514 or "(no name)"

    @classmethod
    def from_name(cls, name: x509.Name) -> NameIdentity:
        """Read the identity from a distinguished name (subject or issuer)."""
        first = _first_values(name)
        common_name = first.get(NameOID.COMMON_NAME)
        pseudonym = first.get(_PSEUDONYM_OID)
        marker: PseudonymMarker | None = None
        if pseudonym is not None:
            marker = PseudonymMarker(source="pseudonym attribute", value=pseudonym)
        elif common_name is not None:
            upper = common_name.upper().rstrip()
            for suffix in _PSEUDONYM_CN_SUFFIXES:
                if upper.endswith(suffix):
                    marker = PseudonymMarker(source="common name suffix", value=suffix.strip())
                    break
        return cls(
            common_name=common_name,
            given_name=first.get(NameOID.GIVEN_NAME),
            surname=first.get(NameOID.SURNAME),
            pseudonym=pseudonym,
            serial_number=first.get(NameOID.SERIAL_NUMBER),
            title=first.get(NameOID.TITLE),
            organization=first.get(NameOID.ORGANIZATION_NAME),
            organizational_unit=first.get(NameOID.ORGANIZATIONAL_UNIT_NAME),
            organization_identifier=first.get(_ORGANIZATION_IDENTIFIER_OID),
            country=first.get(NameOID.COUNTRY_NAME),
            locality=first.get(NameOID.LOCALITY_NAME),
            email=first.get(NameOID.EMAIL_ADDRESS),
            pseudonym_marker=marker,
            rfc4514=_rfc4514(name),
        )


def _first_values(name: x509.Name) -> dict[ObjectIdentifier, str]:
    """The first value of each attribute type, in the name's order, read in one pass.

    The same as asking ``get_attributes_for_oid`` for each type (which walks the whole
    name every time).
    """
    first: dict[ObjectIdentifier, str] = {}
    for attribute in name:
        if attribute.oid not in first:
            value = attribute.value
            first[attribute.oid] = (
                value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            )
    return first


def _rfc4514(name: x509.Name) -> str:
    try:
        return name.rfc4514_string(_READABLE_ATTRIBUTE_NAMES)
    except ValueError:  # pragma: no cover - cryptography refuses odd encodings
        return repr(name)
