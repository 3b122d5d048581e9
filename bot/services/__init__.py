"""Plain services between the cogs and storage: no discord.py objects here."""
