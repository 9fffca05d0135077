"""Thin CLI commands: parse options, ask the store, call the core, render."""
