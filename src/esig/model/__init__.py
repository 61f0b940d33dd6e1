"""esig's neutral models: the data both the public packages and the pyHanko adapter use.

The modules here import nothing of esig above the bottom layer (errors, law, the
model base, identities, certificate profiles, the device interface), so the adapter
(``esig._pyhanko``) can use them without importing ``esig.signing``,
``esig.verification`` or ``esig.trust``. Each public package re-exports what it
documents from here: import from the public package, as before.

This ``__init__`` imports nothing, so importing one module does not load the others.
"""
