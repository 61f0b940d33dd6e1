"""The XML adapter: the only package that imports signxml for XAdES (lxml beside it).

XML is parsed with entities, DTDs and network access off (:mod:`esig._xml.parsing`);
XAdES signatures are made (:mod:`esig._xml.xades_sign`) and checked
(:mod:`esig._xml.xades_validate`, :mod:`esig._xml.wrapping`) with signxml, which does the
canonicalisation and XML-DSig. The certificate path and the timestamp token are judged by
:mod:`esig._pyhanko.xades_trust`. Results leave as plain data, without lxml or signxml
types.
"""
