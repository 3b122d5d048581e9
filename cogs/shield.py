"""The spoiler shield in servers: wrap, warn about or log plot details posted beyond a channel's level.

Also on demand: the "Spoiler-wrap message" context menu, and /spoiler for posting one's own spoiler behind
a Reveal button that checks the clicker's progress.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import BadInput, UserFacingError
from bot.presenter import bot_of
from bot.services.shield import ShieldDecision
from bot.spoilers import describe_level, wrap
from bot.storage.shield import ShieldMode, StoredWebhook
from bot.storage.timers import Timer
from bot.tree import answers_errors, permission_names
from cogs import autocomplete

if TYPE_CHECKING:
    from bot.app import HeartBot

log = logging.getLogger(__name__)

WEBHOOK_NAME = "heartbot shield"
REPOST_NEEDS = ("manage_webhooks", "manage_messages")
MAX_SPOILER = 1500
KEEP_ORIGINALS = timedelta(days=30)  # how long "Not a spoiler" can restore a wrapped message
NO_PINGS = discord.AllowedMentions.none()


def display_name(member: discord.abc.User) -> str:
    """A webhook username Discord accepts: 1-80 characters, never containing "discord" or "clyde"."""
    name = re.sub(
        r"(?i)(disc)(ord)|(cl)(yde)", lambda m: "\u200b".join(g for g in m.groups() if g), member.display_name
    )
    return (name or "member")[:80]


class RestoreButton(discord.ui.DynamicItem[discord.ui.Button], template=r"shield:restore:(?P<author_id>\d+)"):
    """ "Not a spoiler": the author or a moderator puts the original words back."""

    def __init__(self, author_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Not a spoiler",
                style=discord.ButtonStyle.secondary,
                custom_id=f"shield:restore:{author_id}",
            )
        )
        self.author_id = author_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> RestoreButton:
        return cls(int(match["author_id"]))

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.author_id and not interaction.permissions.manage_messages:
            raise UserFacingError("Only the author or a moderator can say this wasn't a spoiler.")
        assert interaction.message is not None
        original = await bot_of(interaction).shield_store.take_repost(interaction.message.id)
        if original is None:
            raise UserFacingError("I no longer have the original of this message.")
        await interaction.response.edit_message(content=original, view=None, allowed_mentions=NO_PINGS)


class SpoilerReveal(discord.ui.DynamicItem[discord.ui.Button], template=r"spoiler:show:(?P<spoiler_id>\d+)"):
    """The Reveal button under a member's /spoiler: shows it only to those who have watched far enough."""

    def __init__(self, spoiler_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Reveal for me",
                style=discord.ButtonStyle.secondary,
                custom_id=f"spoiler:show:{spoiler_id}",
            )
        )
        self.spoiler_id = spoiler_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SpoilerReveal:
        return cls(int(match["spoiler_id"]))

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        spoiler = await bot.shield_store.spoiler(self.spoiler_id)
        if spoiler is None:
            raise UserFacingError("Its author has since erased it.")
        reader = await bot.progress.reader(interaction.user.id)
        label = bot.lookups.index.episode_label(spoiler.reveals)
        if not reader.can_see(spoiler.reveals):
            raise UserFacingError(
                f"This is about **{label}** and you're at {describe_level(reader.level)}, "
                "so I'll keep it hidden. "
                f"If you've watched it, `/progress set episode:{spoiler.reveals}` first."
            )
        await interaction.response.send_message(
            f"About **{label}**:\n{spoiler.text}", ephemeral=True, allowed_mentions=NO_PINGS
        )


class Shield(commands.Cog):
    def __init__(self, bot: HeartBot) -> None:
        self.bot = bot
        self.wrap_menu = app_commands.ContextMenu(name="Spoiler-wrap message", callback=self.wrap_on_demand)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RestoreButton, SpoilerReveal)
        self.bot.tree.add_command(self.wrap_menu)
        self.bot.timers.register("shield_forget_original", self.forget_original)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RestoreButton, SpoilerReveal)
        self.bot.tree.remove_command(self.wrap_menu.name, type=self.wrap_menu.type)
        self.bot.timers.unregister("shield_forget_original")

    async def forget_original(self, timer: Timer, late: bool) -> None:
        """A wrapped message's original words are kept for "Not a spoiler" for a while, not for ever."""
        await self.bot.shield_store.forget_repost(timer.payload["message_id"])

    # -- watching messages ---------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self.guard(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if payload.guild_id is not None and "content" in payload.data:
            await self.guard(payload.message)

    async def guard(self, message: discord.Message) -> None:
        """Check one member's message and carry out the channel's shield mode."""
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return  # never the bot's own reposts: no loops
        channel = message.channel
        parent_id = getattr(channel, "parent_id", None)
        roles = frozenset(role.id for role in getattr(message.author, "roles", ()))
        decision = await self.bot.shield.decide(
            message.guild.id, channel.id, parent_id, roles, message.content
        )
        if decision is None:
            return
        mode = decision.mode
        if mode is ShieldMode.WRAP:
            missing = self._missing_for_repost(message)
            if missing:
                await self._report_missing(message.guild, missing)
                mode = ShieldMode.WARN
            else:
                await self._repost(message, decision)
                return
        if mode is ShieldMode.WARN:
            await self._warn(message, decision)
        await self._log(
            message.guild, f"{self._finding(decision)} by {message.author.mention} in {message.jump_url}"
        )

    def _missing_for_repost(self, message: discord.Message) -> list[str]:
        channel = message.channel
        target = channel.parent if isinstance(channel, discord.Thread) and channel.parent else channel
        permissions = target.permissions_for(message.guild.me)  # type: ignore[union-attr, arg-type]
        return [name for name in REPOST_NEEDS if not getattr(permissions, name)]

    def _finding(self, decision: ShieldDecision) -> str:
        rules = ", ".join(sorted({span.rule for span in decision.spans}))
        return f"A spoiler from **{self.bot.lookups.index.episode_label(decision.reveals)}** (rule {rules})"

    async def _repost(self, message: discord.Message, decision: ShieldDecision) -> None:
        channel = message.channel
        thread = channel if isinstance(channel, discord.Thread) else discord.utils.MISSING
        files = [await attachment.to_file(spoiler=True) for attachment in message.attachments]
        view = discord.ui.View(timeout=None)
        view.add_item(RestoreButton(message.author.id))
        target = channel.parent if thread else channel  # threads post through their channel's webhook
        for attempt in range(2):  # a webhook someone deleted is made again, once
            webhook = await self._webhook(target)  # type: ignore[arg-type]
            try:
                repost = await webhook.send(
                    decision.wrapped,
                    username=display_name(message.author),
                    avatar_url=message.author.display_avatar.url,
                    allowed_mentions=NO_PINGS,
                    files=files,
                    view=view,
                    thread=thread,
                    wait=True,
                )
                break
            except discord.NotFound:
                await self.bot.shield_store.forget_webhook(target.id)  # type: ignore[union-attr]
                if attempt:
                    raise
        now = self.bot.clock.now()
        guild_id = message.guild.id  # type: ignore[union-attr]
        await self.bot.shield_store.save_repost(repost.id, guild_id, message.author.id, message.content, now)
        await self.bot.timers.schedule("shield_forget_original", now + KEEP_ORIGINALS, message_id=repost.id)
        await message.delete()

    async def _webhook(self, channel: discord.TextChannel) -> discord.Webhook:
        stored = await self.bot.shield_store.webhook(channel.id)
        if stored is not None:
            return discord.Webhook.partial(stored.webhook_id, stored.token, client=self.bot)
        webhook = await channel.create_webhook(name=WEBHOOK_NAME, reason="Reposting spoilers wrapped")
        await self.bot.shield_store.save_webhook(StoredWebhook(channel.id, webhook.id, webhook.token or ""))
        return webhook

    async def _warn(self, message: discord.Message, decision: ShieldDecision) -> None:
        text = (
            f"Heads-up: your message in {message.channel.mention} mentions something from "  # type: ignore[union-attr]
            f"**{self.bot.lookups.index.episode_label(decision.reveals)}**, "
            "which not everyone there has seen. "
            "Could you edit it and put that part in ||spoiler tags||? Thank you!"
        )
        try:
            await message.author.send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.info("Could not warn user %s privately (DMs closed?)", message.author.id)

    async def _log(self, guild: discord.Guild, text: str) -> None:
        settings = await self.bot.shield.settings(guild.id)
        channel = guild.get_channel(settings.log_channel_id or 0)
        if isinstance(channel, discord.TextChannel):
            try:
                await channel.send(text, allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.warning("Could not post to the shield log channel %s in guild %s", channel.id, guild.id)

    async def _report_missing(self, guild: discord.Guild, missing: list[str]) -> None:
        new = await self.bot.shield.first_report_of(guild.id, frozenset(missing))
        if not new:
            return
        names = permission_names(sorted(new), " and ")
        text = (
            f"The spoiler shield can't repost wrapped messages without the {names} permission, "
            "so until it has it, it warns authors privately instead."
        )
        settings = await self.bot.shield.settings(guild.id)
        if settings.log_channel_id:
            await self._log(guild, text)
        elif guild.owner_id:
            try:
                owner = guild.get_member(guild.owner_id) or await self.bot.fetch_user(guild.owner_id)
                await owner.send(f"In **{guild.name}**: {text}", allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.warning("Could not tell guild %s about missing permissions %s", guild.id, names)

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        if thread.parent_id is None:
            return
        spans = await self.bot.shield.check_title(thread.guild.id, thread.parent_id, thread.name)
        if not spans:
            return
        label = self.bot.lookups.index.episode_label(max(span.reveals for span in spans))
        text = (
            f"The title of your new thread {thread.mention} mentions something from **{label}**. "
            "Titles can't be hidden behind spoiler tags, so please rename it."
        )
        owner = thread.owner or (await self.bot.fetch_user(thread.owner_id) if thread.owner_id else None)
        if owner is not None:
            try:
                await owner.send(text, allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.info("Could not tell user %s about their thread title", owner.id)
        await self._log(thread.guild, f"A thread title with a spoiler from **{label}**: {thread.mention}")

    # -- on demand -----------------------------------------------------------------------------------

    async def wrap_on_demand(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Spoiler-wrap a message: for its author or a moderator; needs no message-content intent."""
        if interaction.guild is None:
            raise BadInput("This only works in a server.")
        if interaction.user.id != message.author.id and not interaction.permissions.manage_messages:
            raise UserFacingError("Only the author or a moderator (Manage Messages) can wrap this message.")
        if message.author.bot or message.webhook_id is not None:
            raise BadInput("That message is from a bot or a webhook; I only wrap members' messages.")
        if not message.content.strip():
            raise BadInput("That message has no text to wrap.")
        missing = self._missing_for_repost(message)
        if missing:
            names = permission_names(missing, " and ")
            raise UserFacingError(f"I need the {names} permission here to repost it wrapped.")
        channel = message.channel
        level = await self.bot.spoiler_levels.channel_level(
            interaction.guild.id, channel.id, getattr(channel, "parent_id", None)
        )
        detector = await self.bot.shield.detector(interaction.guild.id)
        spans = detector.beyond(message.content, level)
        wrapped = detector.wrap(message.content, level) if spans else wrap(message.content)
        await interaction.response.defer(ephemeral=True, thinking=True)
        decision = ShieldDecision(ShieldMode.WRAP, level, tuple(spans), wrapped)
        await self._repost(message, decision)
        await interaction.followup.send("Wrapped and reposted.", ephemeral=True)

    @app_commands.command(name="spoiler")
    @app_commands.guild_only()
    @app_commands.describe(text="Your spoiler", episode="The episode it reveals: a code like S2E5 or a title")
    @app_commands.autocomplete(episode=autocomplete.episodes)
    async def spoiler(self, interaction: discord.Interaction, text: str, episode: str) -> None:
        """Post your own spoiler behind a button that only shows it to those who've watched that far."""
        assert interaction.guild_id is not None
        if not text.strip():
            raise BadInput("Your spoiler is empty.")
        if len(text) > MAX_SPOILER:
            raise BadInput(f"Keep it under {MAX_SPOILER} characters, please.")
        found = self.bot.lookups.index.episode(episode)
        spoiler_id = await self.bot.shield_store.add_spoiler(
            interaction.guild_id, interaction.user.id, text, found.code, self.bot.clock.now()
        )
        view = discord.ui.View(timeout=None)
        view.add_item(SpoilerReveal(spoiler_id))
        label = self.bot.lookups.index.episode_label(found.code)
        await interaction.response.send_message(
            f"{interaction.user.mention} shared a spoiler about **{label}**. "
            "The button shows it to you if you've watched that far.",
            view=view,
            allowed_mentions=NO_PINGS,
        )


async def setup(bot: HeartBot) -> None:
    await bot.add_cog(Shield(bot))
