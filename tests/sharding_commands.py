"""A command only the sharding tests load: it says which process answered, by the shards it runs."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands


class WhichShard(commands.Cog):
    def __init__(self, bot: commands.AutoShardedBot) -> None:
        self.bot = bot

    @app_commands.command(name="shard", description="Says which shard answered and which shards run here.")
    async def shard(self, interaction: discord.Interaction) -> None:
        here = ", ".join(str(shard) for shard in sorted(self.bot.shards))
        where = f"shard {interaction.guild.shard_id}" if interaction.guild else "a DM"
        await interaction.response.send_message(
            f"Answered for {where} of {self.bot.shard_count} by the process running shards {here}.",
            ephemeral=True,
        )


async def setup(bot: commands.AutoShardedBot) -> None:
    await bot.add_cog(WhichShard(bot))
