"""The base of esig's public models: frozen, strict about unknown fields, round-trippable."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["EsigModel"]


class EsigModel(BaseModel):
    """Frozen pydantic model that refuses unknown fields.

    Computed fields appear in JSON output; when the JSON is read back they are
    recomputed, so their values in the input are dropped instead of refused.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_computed_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and cls.model_computed_fields:
            return {k: v for k, v in data.items() if k not in cls.model_computed_fields}
        return data
