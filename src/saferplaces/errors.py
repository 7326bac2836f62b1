"""Errors a person can act on.

Every error raised on user input is a :class:`SaferplacesError` whose message is one line that
says what was expected, what arrived and how to fix it. The CLI prints it without a traceback.
"""

from __future__ import annotations

__all__ = ["SaferplacesError", "WorkspaceNotFound", "InputFileError"]


class SaferplacesError(Exception):
    """A problem with the user's input or environment, reported as one readable line."""


class WorkspaceNotFound(SaferplacesError):
    """No ``saferplaces.toml`` where a workspace was expected."""


class InputFileError(SaferplacesError):
    """A whole input file cannot be read (not the expected format, truncated, not UTF-8, ...).

    Parameters
    ----------
    file : str
        The file as the user would recognise it (``archive.zip!member.csv`` for archive members).
    problem : str
        What is wrong, in words.
    """

    def __init__(self, file: str, problem: str) -> None:
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")
