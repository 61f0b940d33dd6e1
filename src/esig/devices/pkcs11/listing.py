"""What is on a token: :func:`list_token_objects` and its :class:`TokenKey` entries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as p11
from pydantic import computed_field

from esig._model import EsigModel
from esig.devices.pkcs11.certificates import certificate_for
from esig.devices.pkcs11.errors import translate_error
from esig.devices.pkcs11.keys import KeyAlgorithm, KeyFacts
from esig.devices.pkcs11.login import Logins
from esig.devices.pkcs11.mechanisms import allows_raw_signing, mechanism_name
from esig.devices.pkcs11.session import close_quietly, find_objects, open_session
from esig.devices.pkcs11.tokens import ModulePath, find_token, load_module, resolve_module_path

__all__ = ["TokenKey", "list_token_objects"]


class TokenKey(EsigModel):
    """A private key on a token, with what the token says about it."""

    label: str
    """The key's ``CKA_LABEL``."""
    id: str
    """The key's ``CKA_ID`` in hex (as ``pkcs11-tool`` shows it)."""
    algorithm: KeyAlgorithm
    key_size: int | None
    """Modulus or curve size in bits, when the token shows it."""
    can_sign: bool
    """``CKA_SIGN``: the token lets this key sign."""
    has_certificate: bool
    """A certificate with the same id (or label) is on the token."""
    subject: str | None
    """The certificate's subject (RFC 4514), when there is one."""
    extractable: bool | None
    """``CKA_EXTRACTABLE``: the key may be exported wrapped under another key."""
    sensitive: bool | None
    """``CKA_SENSITIVE``: the key's secret parts can never be read in plaintext."""
    never_extractable: bool | None
    """``CKA_NEVER_EXTRACTABLE``: the key has never been extractable since it was made."""
    always_authenticate: bool
    """``CKA_ALWAYS_AUTHENTICATE``: every signature needs the PIN again."""
    raw_signing_allowed: bool = True
    """The key's ``CKA_ALLOWED_MECHANISMS`` (if set) include the raw mechanism esig signs
    precomputed digests with (``CKM_RSA_PKCS`` or ``CKM_ECDSA``)."""
    allowed_mechanisms: tuple[str, ...] = ()
    """The mechanisms the key is restricted to, by name (empty: not restricted)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def key_extractable(self) -> bool | None:
        """Whether the key can leave the token in any form (None: the token does not say)."""
        if self.extractable is None or self.sensitive is None:
            return None
        return self.extractable or not self.sensitive


def list_token_objects(
    module_path: ModulePath, token_label: str, pin: str | None = None
) -> list[TokenKey]:
    """The private keys on a token, each with its certificate's subject and key facts.

    Args:
        module_path: The PKCS#11 module.
        token_label: The token's label.
        pin: The user PIN (most tokens hide private keys until login).

    Raises:
        Pkcs11ModuleError: The module cannot be loaded.
        TokenNotFoundError: No token has that label.
        PinRequiredError: The token needs a PIN and none was given.
        PinIncorrectError: The PIN is wrong.
        PinLockedError: The token's user PIN is locked.

    """
    module = resolve_module_path(module_path)
    token = find_token(load_module(module), token_label)
    login = Logins.acquire(module, token, token_label, pin if pin else None)
    try:
        session = open_session(token, token_label)
        try:
            return sorted(_describe_keys(session, token_label), key=lambda k: (k.id, k.label))
        except p11.PKCS11Error as exc:
            raise translate_error(exc, token_label=token_label, token=token) from None
        finally:
            close_quietly(session)
    finally:
        Logins.release(login)


def _describe_keys(session: Any, token_label: str) -> Iterator[TokenKey]:
    for key in find_objects(session, {Attribute.CLASS: ObjectClass.PRIVATE_KEY}):
        facts = KeyFacts.read(key)
        certificate, _ = certificate_for(session, facts)
        yield TokenKey(
            label=facts.label,
            id=facts.id.hex(),
            algorithm=facts.algorithm,
            key_size=facts.key_size,
            can_sign=facts.can_sign,
            has_certificate=certificate is not None,
            subject=certificate.subject.rfc4514_string() if certificate is not None else None,
            extractable=facts.extractable,
            sensitive=facts.sensitive,
            never_extractable=facts.never_extractable,
            always_authenticate=facts.always_authenticate,
            raw_signing_allowed=allows_raw_signing(facts),
            allowed_mechanisms=tuple(mechanism_name(m) for m in facts.allowed_mechanisms),
        )
