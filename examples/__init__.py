"""Examples built on esig's public API (run them from the repository root)."""
