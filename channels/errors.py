"""Errors shared by the channel API clients."""


class SendError(Exception):
    """A provider's API refused a message or could not be reached.

    ``permanent``: the provider will never accept it (a Telegram user who
    blocked the bot, Messenger outside its window, Twilio 21610/63016): the
    message goes to the dead letters at once instead of being retried.
    """

    def __init__(self, reason: str = "", permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
