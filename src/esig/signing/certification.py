"""Certification (DocMDP) and field locks (FieldMDP): what may change after a signature.

A **certification signature** is the first signature of a document; it says which
later changes the author allows (ISO 32000-1 §12.8.2.2, PDF ``/DocMDP``):

- :attr:`DocPermission.NO_CHANGES`: nothing, not even another signature;
- :attr:`DocPermission.FORM_FILLING`: filling in form fields and signing (the usual
  choice for a document that others still have to sign);
- :attr:`DocPermission.ANNOTATIONS`: form filling, signing and comments.

A **field lock** (``/FieldMDP``, ISO 32000-1 §12.8.2.4) is attached to a signature
field; once that field is signed, the fields it names may no longer change: all
fields, the fields listed, or all fields except those listed.

Both are judged when the document is verified: a change they do not allow makes the
signature that forbade it fail (BES art. 3(g), eIDAS art. 26(d)).
"""

from esig.model.certification import (
    CertificationError,
    DocPermission,
    FieldLock,
    LockScope,
)

__all__ = [
    "CertificationError",
    "DocPermission",
    "FieldLock",
    "LockScope",
]
