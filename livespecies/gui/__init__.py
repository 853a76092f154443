"""The PySide6 desktop window. The only package that imports Qt (an import-linter contract checks it)."""
