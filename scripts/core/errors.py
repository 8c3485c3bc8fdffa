"""One error type for every problem a user can fix, formatted as file:line: field: what was expected."""


class BuildError(Exception):
    def __init__(self, file, message, line=None, field=None):
        self.file = str(file)
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self):
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class BuildErrors(Exception):
    """Several independent problems found in one pass, reported together."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
