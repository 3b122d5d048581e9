"""What the bot stores about a member, gathered from every feature: exported, or erased, in one go
(service.py), and the button that confirms an erase (buttons.py)."""
