"""The core every feature stands on: the Bot subclass, the command tree, settings, the clock, timers
and the database."""
