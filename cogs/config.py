"""/config: what this server's channels may show (Manage Server only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.canon import Episode, EpisodeCode
from bot.core.errors import BadInput
from bot.core.tree import permission_names
from bot.lookups.options import EpisodeOption, LevelOption
from bot.parties.service import Status, describe_offsets, parse_offsets
from bot.shield.posts import REPOST_NEEDS, missing_for_repost
from bot.shield.service import ShieldMode
from bot.spoilers import NOTHING_WATCHED, wrap
from bot.ui import paging
from bot.ui.text import quote

if TYPE_CHECKING:
    from bot.core.app import HeartBot

TERMS, SHOW = "config-terms", "config-show"  # the pager's kinds for this cog's lists
SHIELD_UNAVAILABLE = (
    " The shield is off: this bot's application has not enabled the Message Content intent "
    "(Developer Portal, Bot tab). Everything else works."
)


def wrap_fallbacks(guild: discord.Guild, wrap_channel_ids: list[int]) -> list[str]:
    """Where wrap mode warns instead, for want of the permissions reposting needs: server-wide or per
    channel."""
    channels = [c for c in map(guild.get_channel, wrap_channel_ids) if c is not None]
    if not channels:
        return []
    everywhere = [name for name in REPOST_NEEDS if not getattr(guild.me.guild_permissions, name)]
    if everywhere:
        names = permission_names(everywhere, " and ")
        return [f"⚠️ Wrap falls back to warn everywhere: I don't have the {names} permission in this server."]
    lines = []
    for channel in channels:
        missing = missing_for_repost(channel, guild.me)
        if missing:
            names = permission_names(missing, " and ")
            lines.append(
                f"⚠️ Wrap falls back to warn in {channel.mention}: I don't have the {names} permission there."
            )
    return lines


def require_manage_server(interaction: discord.Interaction[Any]) -> int:
    """The server's id, if the member may change its settings. default_member_permissions only hides the
    commands (a server can override it) and buttons outlive a member's rights, so every entry checks."""
    permissions = interaction.permissions
    if interaction.guild_id is None or not (permissions.manage_guild or permissions.administrator):
        raise app_commands.MissingPermissions(["manage_guild"])
    return interaction.guild_id


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Config(commands.GroupCog, group_name="config"):
    """Server settings for spoilers (needs Manage Server)."""

    spoiler_channel = app_commands.Group(name="spoiler-channel", description="Channels that may show more")
    shield_term = app_commands.Group(name="shield-term", description="This server's own spoiler terms")
    shield_exempt = app_commands.Group(
        name="shield-exempt", description="Roles and channels the shield skips"
    )

    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        paging.register(self.bot, TERMS, self.terms_page)
        paging.register(self.bot, SHOW, self.show_page)

    async def cog_unload(self) -> None:
        paging.unregister(self.bot, TERMS)
        paging.unregister(self.bot, SHOW)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        require_manage_server(interaction)
        return True

    def _label(self, level: EpisodeCode) -> str:
        return "nothing watched" if level == NOTHING_WATCHED else self.bot.lookups.index.episode_label(level)

    @app_commands.command(name="baseline")
    @app_commands.describe(episode="Every channel may show up to this episode (code or title, or 'none')")
    async def baseline(
        self,
        interaction: discord.Interaction[HeartBot],
        episode: app_commands.Transform[EpisodeCode, LevelOption],
    ) -> None:
        """Set what every channel in this server may show without spoiler tags."""
        assert interaction.guild_id is not None
        await self.bot.spoiler_levels.set_baseline(interaction.guild_id, episode)
        await interaction.response.send_message(
            f"Every channel may now show up to **{self._label(episode)}**; later details stay wrapped.",
            ephemeral=True,
        )

    @spoiler_channel.command(name="set")
    @app_commands.describe(
        channel="The spoiler channel", up_to="It may show up to this episode (code or title)"
    )
    @app_commands.rename(up_to="up-to")
    async def spoiler_channel_set(
        self,
        interaction: discord.Interaction[HeartBot],
        channel: discord.TextChannel,
        up_to: app_commands.Transform[EpisodeCode, LevelOption],
    ) -> None:
        """Let one channel show more than the server's baseline."""
        assert interaction.guild_id is not None
        await self.bot.spoiler_levels.set_channel(interaction.guild_id, channel.id, up_to)
        await interaction.response.send_message(
            f"{channel.mention} may now show up to **{self._label(up_to)}** "
            "(or the server's baseline, if that is later).",
            ephemeral=True,
        )

    @spoiler_channel.command(name="remove")
    @app_commands.describe(channel="The channel to return to the server's baseline")
    async def spoiler_channel_remove(
        self, interaction: discord.Interaction[HeartBot], channel: discord.TextChannel
    ) -> None:
        """Make a spoiler channel an ordinary channel again."""
        assert interaction.guild_id is not None
        if not await self.bot.spoiler_levels.remove_channel(interaction.guild_id, channel.id):
            raise BadInput(f"{channel.mention} isn't a spoiler channel, so there was nothing to remove.")
        await interaction.response.send_message(
            f"{channel.mention} is back to the server's baseline.", ephemeral=True
        )

    # -- the shield ----------------------------------------------------------------------------------

    @app_commands.command(name="shield")
    @app_commands.describe(channel="The channel to guard", mode="What the shield does with spoilers there")
    @app_commands.choices(
        mode=[
            app_commands.Choice(name="wrap: repost it with the spoiler wrapped", value="wrap"),
            app_commands.Choice(name="warn: tell the author privately", value="warn"),
            app_commands.Choice(name="log: only report to the log channel", value="log"),
            app_commands.Choice(name="off", value="off"),
        ]
    )
    async def shield(
        self,
        interaction: discord.Interaction[HeartBot],
        channel: discord.TextChannel,
        mode: app_commands.Choice[str],
    ) -> None:
        """Turn the spoiler shield on (wrap, warn or log) or off in a channel."""
        assert interaction.guild_id is not None
        if mode.value == ShieldMode.LOG and not await self._has_log_channel(interaction.guild):
            raise BadInput(
                "Log mode only reports to the log channel, and there isn't one yet: "
                "set it with `/config log-channel`, then try again."
            )
        await self.bot.shield.set_mode(interaction.guild_id, channel.id, ShieldMode(mode.value))
        note = "" if self.bot.shield_available else SHIELD_UNAVAILABLE
        await interaction.response.send_message(
            f"Shield in {channel.mention}: **{mode.value}**.{note}", ephemeral=True
        )

    @app_commands.command(name="log-channel")
    @app_commands.describe(channel="Where the shield reports to moderators")
    async def log_channel(
        self, interaction: discord.Interaction[HeartBot], channel: discord.TextChannel
    ) -> None:
        """Choose the channel where the shield reports what it finds."""
        assert interaction.guild_id is not None
        await self.bot.shield.set_log_channel(interaction.guild_id, channel.id)
        await interaction.response.send_message(f"The shield reports to {channel.mention}.", ephemeral=True)

    @shield_term.command(name="add")
    @app_commands.describe(phrase="Words that reveal a plot point", episode="The episode they reveal")
    async def shield_term_add(
        self,
        interaction: discord.Interaction[HeartBot],
        phrase: str,
        episode: app_commands.Transform[Episode, EpisodeOption],
    ) -> None:
        """Add a phrase the shield treats as a spoiler for an episode."""
        assert interaction.guild_id is not None
        cleaned = " ".join(phrase.split()).casefold()
        if not 3 <= len(cleaned) <= 100:
            raise BadInput("A term needs 3 to 100 characters.")
        await self.bot.shield.add_term(interaction.guild_id, cleaned, episode.code)
        await interaction.response.send_message(
            f"Added: {quote(cleaned)} now counts as a spoiler for **{self._label(episode.code)}**.",
            ephemeral=True,
        )

    @shield_term.command(name="list")
    async def shield_term_list(self, interaction: discord.Interaction[HeartBot]) -> None:
        """List this server's own spoiler terms, each hidden behind spoiler tags."""
        await paging.send(interaction, TERMS)

    async def terms_page(self, request: paging.PageRequest) -> paging.Page:
        """A page of the server's terms, each behind spoiler tags."""
        guild_id = require_manage_server(request.interaction)
        terms = (await self.bot.shield.settings(guild_id)).terms
        if not terms:
            return paging.Page(
                "This server has no spoiler terms of its own: `/config shield-term add` adds one."
            )
        heading = f"This server's spoiler terms ({len(terms)}), hidden as they're plot:"
        lines = [f"• {wrap(quote(t.phrase, 100))}: **{self._label(t.reveals)}**" for t in terms]
        return paging.lines_page(request, heading, lines)

    @shield_term.command(name="remove")
    @app_commands.describe(phrase="The term to remove")
    async def shield_term_remove(self, interaction: discord.Interaction[HeartBot], phrase: str) -> None:
        """Remove one of this server's own spoiler terms."""
        assert interaction.guild_id is not None
        cleaned = " ".join(phrase.split()).casefold()
        if not await self.bot.shield.remove_term(interaction.guild_id, cleaned):
            raise BadInput(f"{quote(cleaned)} isn't one of this server's terms.")
        await interaction.response.send_message(f"Removed {quote(cleaned)}.", ephemeral=True)

    async def _exempt(
        self,
        interaction: discord.Interaction[HeartBot],
        role: discord.Role | None,
        channel: discord.TextChannel | None,
        on: bool,
    ) -> None:
        assert interaction.guild_id is not None
        if role is None and channel is None:
            raise BadInput("Name a role, a channel, or both.")
        names = []
        for kind, target in (("role", role), ("channel", channel)):
            if target is not None:
                await self.bot.shield.set_exempt(interaction.guild_id, kind, target.id, on)
                names.append(target.mention)
        verb = "now skipped by" if on else "guarded by"
        await interaction.response.send_message(f"{' and '.join(names)}: {verb} the shield.", ephemeral=True)

    @shield_exempt.command(name="add")
    @app_commands.describe(
        role="Members with this role are not checked", channel="This channel is not checked"
    )
    async def shield_exempt_add(
        self,
        interaction: discord.Interaction[HeartBot],
        role: discord.Role | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Let the shield skip a role or a channel."""
        await self._exempt(interaction, role, channel, True)

    @shield_exempt.command(name="remove")
    @app_commands.describe(role="Check this role again", channel="Check this channel again")
    async def shield_exempt_remove(
        self,
        interaction: discord.Interaction[HeartBot],
        role: discord.Role | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Have the shield check a role or channel again."""
        await self._exempt(interaction, role, channel, False)

    # -- watch parties -------------------------------------------------------------------------------

    @app_commands.command(name="party-reminders")
    @app_commands.describe(offsets="How long before the start: `1 hour, 10 minutes` or `1h, 10m` (or `none`)")
    async def party_reminders(self, interaction: discord.Interaction[HeartBot], offsets: str) -> None:
        """Choose when watch-party attendees are reminded (default 1 hour and 10 minutes before)."""
        assert interaction.guild_id is not None
        minutes = parse_offsets(offsets)
        moved = await self.bot.parties.set_reminders(interaction.guild_id, minutes)
        when = describe_offsets(minutes)
        later = (
            f" Reminders for {moved} upcoming part{'y' if moved == 1 else 'ies'} moved to match."
            if moved
            else ""
        )
        await interaction.response.send_message(
            f"Watch parties here now get **{when}**.{later}", ephemeral=True
        )

    @app_commands.command(name="party-manager")
    @app_commands.describe(
        role="Members with this role may edit and cancel anyone's party (leave out to clear)"
    )
    async def party_manager(
        self, interaction: discord.Interaction[HeartBot], role: discord.Role | None = None
    ) -> None:
        """Choose the role that may manage every watch party here, besides Manage Server."""
        assert interaction.guild_id is not None
        await self.bot.parties.set_manager_role(interaction.guild_id, role.id if role else None)
        text = (
            f"Members with {role.mention} may now edit and cancel any watch party here."
            if role
            else "No party-manager role: only hosts and members with Manage Server manage watch parties."
        )
        await interaction.response.send_message(text, ephemeral=True)

    # -- everything at a glance ----------------------------------------------------------------------

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction[HeartBot]) -> None:
        """Show this server's spoiler and shield settings."""
        await paging.send(interaction, SHOW)

    async def show_page(self, request: paging.PageRequest) -> paging.Page:
        """A page of everything /config sets here, for a member who may change it."""
        guild_id = require_manage_server(request.interaction)
        guild = request.interaction.guild
        assert guild is not None
        lines = await self._level_lines(guild_id)
        lines += await self._shield_lines(guild)
        lines += await self._party_lines(guild_id)
        return paging.lines_page(request, "**This server's settings**", lines)

    async def _level_lines(self, guild_id: int) -> list[str]:
        settings = await self.bot.spoiler_levels.settings(guild_id)
        lines = [f"Baseline (every channel): **{self._label(settings.baseline or NOTHING_WATCHED)}**"]
        levels = {c.channel_id: c.up_to for c in settings.channels}
        # A party's thread is a spoiler channel at its last episode. Open parties' threads are listed with
        # their party; ended ones (a server holds dozens over time) make one line rather than fill pages.
        now = self.bot.clock.now()
        open_threads, ended, cancelled = [], [], False
        for party in await self.bot.parties.with_threads(guild_id):
            if party.thread_id is None or (level := levels.pop(party.thread_id, None)) is None:
                continue
            if party.status is Status.UPCOMING and not party.ended(now):
                open_threads.append(
                    f"• <#{party.thread_id}>: up to **{self._label(level)}** (watch party #{party.id})"
                )
            else:
                ended.append(level)
                cancelled = cancelled or party.status is Status.CANCELLED
        if levels:
            lines.append("Spoiler channels:")
            lines += [f"• <#{cid}>: up to **{self._label(level)}**" for cid, level in levels.items()]
        else:
            lines.append("No spoiler channels: `/config spoiler-channel set` adds one.")
        if open_threads:
            lines += ["Threads of watch parties still to come or on now:", *open_threads]
        if ended:
            how = "ended or cancelled" if cancelled else "ended"
            count = f"{len(ended)} {how} watch part{'y' if len(ended) == 1 else 'ies'}"
            lines.append(f"Threads of {count} keep their level: up to **{self._label(max(ended))}** at most")
        return lines

    async def _party_lines(self, guild_id: int) -> list[str]:
        offsets = await self.bot.parties.reminder_offsets(guild_id)
        reminders = describe_offsets(offsets) if offsets else "none"
        manager = (await self.bot.parties.settings(guild_id)).manager_role_id
        return [
            f"Watch-party reminders: {reminders}",
            f"Party managers: {f'<@&{manager}>' if manager else 'hosts and Manage Server only'}",
        ]

    async def _has_log_channel(self, guild: discord.Guild | None) -> bool:
        if guild is None:
            return False
        channel_id = (await self.bot.shield.settings(guild.id)).log_channel_id
        return channel_id is not None and guild.get_channel(channel_id) is not None

    async def _readers_line(self) -> str:
        reader = await self.bot.shield.reader()
        if reader.semantic is not None:
            return "Shield readers: the lexicon and the semantic reader"
        return f"Shield readers: the lexicon alone; the semantic reader is {reader.semantic_missing}"

    async def _shield_lines(self, guild: discord.Guild) -> list[str]:
        shield = await self.bot.shield.settings(guild.id)
        if not self.bot.shield_available:
            return [SHIELD_UNAVAILABLE.strip()]
        guarded = [
            f"<#{cid}> ({mode.value})" for cid, mode in shield.channels.items() if mode is not ShieldMode.OFF
        ]
        lines = [
            f"Shield: {', '.join(guarded) if guarded else 'off everywhere (`/config shield` turns it on)'}"
        ]
        lines += wrap_fallbacks(
            guild, [cid for cid, mode in shield.channels.items() if mode is ShieldMode.WRAP]
        )
        lines.append(await self._readers_line())
        lines.append(
            f"Shield log channel: {f'<#{shield.log_channel_id}>' if shield.log_channel_id else 'none'}"
        )
        exempt = [f"<@&{r}>" for r in shield.exempt_roles] + [f"<#{c}>" for c in shield.exempt_channels]
        if exempt:
            lines.append(f"Skipped by the shield: {', '.join(exempt)}")
        if shield.terms:
            lines.append(f"Server terms: {len(shield.terms)} (`/config shield-term list`)")
        return lines


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(Config(bot))
