"""Bulk runs over whole archives: verify or extend thousands of documents.

* :func:`verify_many` — verify every document of a store (PDF, CAdES, XAdES, ASiC),
  locally on a pool of worker processes or on a ``dask.distributed`` cluster; one
  JSON line per document (:class:`ResultLine`), resume, per-document timeouts.
* :func:`extend_many` — the same shape for archive renewal (B-LTA) of a store.
* :func:`expand_sources`, :func:`read_results`, :func:`write_parquet`, :func:`summarize`
  — the pieces, for your own pipelines.

Dask and pyarrow come with the ``bulk`` extra (``pip install 'esig[bulk]'``) and are
imported only when a cluster or Parquet output is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esig._lazy import lazy_exports

if TYPE_CHECKING:
    from esig.bulk.extend import extend_many
    from esig.bulk.jobs import ExtendJob, VerifyJob
    from esig.bulk.results import (
        BulkSummary,
        ResultLine,
        SignatureLine,
        Verdict,
        read_results,
        summarize,
        write_parquet,
    )
    from esig.bulk.runner import local_cluster
    from esig.bulk.sources import expand_sources
    from esig.bulk.verify import async_verify_many, verify_many

_WHERE: dict[str, str] = {
    "BulkSummary": "esig.bulk.results",
    "ExtendJob": "esig.bulk.jobs",
    "ResultLine": "esig.bulk.results",
    "SignatureLine": "esig.bulk.results",
    "Verdict": "esig.bulk.results",
    "VerifyJob": "esig.bulk.jobs",
    "async_verify_many": "esig.bulk.verify",
    "expand_sources": "esig.bulk.sources",
    "extend_many": "esig.bulk.extend",
    "local_cluster": "esig.bulk.runner",
    "read_results": "esig.bulk.results",
    "summarize": "esig.bulk.results",
    "verify_many": "esig.bulk.verify",
    "write_parquet": "esig.bulk.results",
}
"""Each public name and the module that defines it: imported on first use."""

__all__ = [
    "BulkSummary",
    "ExtendJob",
    "ResultLine",
    "SignatureLine",
    "Verdict",
    "VerifyJob",
    "async_verify_many",
    "expand_sources",
    "extend_many",
    "local_cluster",
    "read_results",
    "summarize",
    "verify_many",
    "write_parquet",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
