"""Logging filters the LOGGING setting names."""

import logging


class WarningWithoutTraceback(logging.Filter):
    """Log a record as one warning line: for errors that are the client's, not ours (a host we do not serve)."""

    def filter(self, record):
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = None
        return True
