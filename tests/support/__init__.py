"""Helpers shared by tests and bench scripts: a fake Hugging Face hub serving configs over HTTP."""
