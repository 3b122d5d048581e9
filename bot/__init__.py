"""heartbot: a spoiler-aware Discord bot for Heartstopper fan servers."""

__version__ = "0.1.0"
