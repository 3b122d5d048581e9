"""Episode, season, cast, character and trivia lookups as tagged documents (service.py), and the command
options that name an episode or a character, with their suggestions (options.py)."""
