"""The one exception type users see."""


class IlacsError(Exception):
    """A problem the user can fix; the message names it and the fix."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class DeliveryError(Exception):
    """An e-mail that could not be sent; `fatal` when the server is gone and later ones would fail too."""

    def __init__(self, message: str, fatal: bool):
        super().__init__(message)
        self.fatal = fatal
