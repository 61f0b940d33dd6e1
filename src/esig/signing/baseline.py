"""ETSI baseline levels (B-B, B-T, B-LT, B-LTA) and the online services they need.

A signature at baseline **B-B** needs nothing but the signer's device. **B-T** adds a
signature timestamp from an RFC 3161 time-stamping service (TSA), which proves the
signature existed at that time. **B-LT** adds everything a verifier needs later to
validate the signature offline: the certificates, OCSP responses and CRLs (in a PDF, in
its document security store). **B-LTA** adds a document timestamp over all of that, so
the validation data stays provable after the certificates and algorithms age; renewing
that timestamp (:func:`~esig.signing.extend.extend_pdf`) keeps it so.

The request is checked when it is built, before any device is asked for anything::

    BaselineRequest(level=BaselineLevel.B_LTA)   # InputError: B-LTA needs a TSA

.. versionadded:: 0.1.0
"""

from esig.model.baseline import (
    BaselineLevel,
    BaselineRequest,
    PadesLevel,
    TimestampService,
    ValidationServices,
)

__all__ = [
    "BaselineLevel",
    "BaselineRequest",
    "PadesLevel",
    "TimestampService",
    "ValidationServices",
]
