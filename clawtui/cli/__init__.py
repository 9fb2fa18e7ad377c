"""The command line's own parts: how headless commands print what the core found."""
