"""Episode, season, cast, character and trivia lookups as tagged documents."""
