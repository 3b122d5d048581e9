"""What the bot stores about a member, gathered from every feature: exported, or erased, in one go."""
