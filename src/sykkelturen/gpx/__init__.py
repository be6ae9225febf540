"""Pure reading of GPX files: no HTTP, no database."""
