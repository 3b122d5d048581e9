"""The show's canon: data/ loaded into frozen dataclasses."""

from bot.canon.loader import CanonError, load_canon
from bot.canon.models import Canon, Character, Episode, EpisodeCode, Trivia

__all__ = ["Canon", "CanonError", "Character", "Episode", "EpisodeCode", "Trivia", "load_canon"]
