"""Errors meant for people: one line that says what was wrong, where, and what to do."""


class UserError(Exception):
    """A problem with the user's input or environment. The CLI prints it as one line and exits 2."""
