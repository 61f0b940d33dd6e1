"""The only package in esig that imports pyHanko.

Everything here is private: it converts between esig's public types (devices,
``cryptography`` certificates, pydantic models) and pyHanko's, so that a pyHanko
release can change without changing esig's public API.
"""
