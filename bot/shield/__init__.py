"""The spoiler shield: which channels it guards, the detector that reads messages, and what it posts."""
