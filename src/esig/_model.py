"""The base of esig's public models: frozen, strict about unknown fields, round-trippable."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, model_validator

__all__ = ["Base64Bytes", "EsigModel"]


def _b64_to_bytes(value: object) -> object:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError("not valid base64") from exc
    return value


def _bytes_to_b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


Base64Bytes = Annotated[
    bytes, BeforeValidator(_b64_to_bytes), PlainSerializer(_bytes_to_b64, when_used="json")
]
"""Bytes that are given raw in Python, serialised as base64 in JSON (and read back)."""


class EsigModel(BaseModel):
    """Frozen pydantic model that refuses unknown fields.

    Computed fields appear in JSON output; when the JSON is read back they are
    recomputed, so their values in the input are dropped instead of refused.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_computed_fields(cls, data: Any) -> Any:
        # Read once: pydantic builds the mapping anew on every class attribute access, and
        # this runs for every model esig makes (dozens per verified signature).
        computed = cls.model_computed_fields
        if computed and isinstance(data, dict) and not computed.keys().isdisjoint(data):
            return {k: v for k, v in data.items() if k not in computed}
        return data
