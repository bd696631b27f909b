"""pytest fixtures for mockruns: one server per test run, an isolated session per test."""

from .client import MockrunsError, MockrunsServer, MockrunsSession, VerificationFailed, find_binary

__all__ = ["MockrunsError", "MockrunsServer", "MockrunsSession", "VerificationFailed", "find_binary"]
