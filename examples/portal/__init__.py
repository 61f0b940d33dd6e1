"""A reference signing portal built only on esig's public API (issue #19).

Upload a PDF, drag a box per signer onto its page, invite them in order by an emailed
single-use link; each reads the document and the risk disclosure, then signs by a
code sent by email or SMS, by drawing, with an eID card (PKCS#11) or a remote
signing service (CSC API); the owner downloads the signed PDF and a searchable
certificate of completion. Start the demo with ``python -m examples.portal`` (see
docs/portal.md).
"""

from __future__ import annotations

from .app import create_app
from .config import PortalConfig, PortalError
from .service import Portal

__all__ = ["Portal", "PortalConfig", "PortalError", "create_app"]
