"""Errors shared by the channel API clients."""


class SendError(Exception):
    """A provider's API refused a message or could not be reached; the send is retried."""
