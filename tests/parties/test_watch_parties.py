"""Watch parties as members, hosts and moderators see them, through the sandbox with the real bot."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.core.app import INVITE_PERMISSIONS
from bot.parties.delivery import THREAD
from bot.parties.repository import Party
from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.sandbox.world import Interaction
from bot.spoilers.markdown import visible_text

ANNOUNCED = "Watch party #"


async def private_answer(actor: Actor, interaction: Interaction) -> Observation:
    """What only `actor` sees in answer (not the announcement a command posts or a click edits)."""
    return await actor.wait_to_see(
        lambda o: o.visible_to == actor.name and o.message > interaction.id and o.action == "send"
    )


async def ask(actor: Actor, command: str, channel: str = "general") -> Observation:
    await actor.sandbox.idle()  # earlier answers have arrived, so they are not mistaken for this one
    return await private_answer(actor, await actor.run(command, channel))


async def press(actor: Actor, label: str) -> Observation:
    await actor.sandbox.idle()
    return await private_answer(actor, await actor.click(label))


async def create(actor: Actor, options: str = 'episodes:S2E1-S2E2 start:"in 2 hours"') -> Observation:
    reply = await ask(actor, f"/watchparty create {options}")
    assert reply.visible_to == actor.name
    return reply


def announcement(sandbox: Sandbox) -> Observation:
    """The newest state of the newest announcement."""
    return [o for o in sandbox.observations if o.embeds and ANNOUNCED in o.embeds[0]["title"]][-1]


def in_thread(sandbox: Sandbox, text: str) -> list[Observation]:
    return [o for o in sandbox.observations if o.channel == "Watch party #1" and text in o.content]


async def wait(sandbox: Sandbox, **delta: float) -> None:
    await sandbox.idle()  # what the last action started finishes first, as in a script
    await sandbox.advance(timedelta(**delta))
    await sandbox.idle()


def stamp_of(text: str, style: str) -> datetime:
    match = re.search(rf"<t:(\d+):{style}>", text)
    assert match, text
    return datetime.fromtimestamp(int(match[1]), UTC)


# -- creating ----------------------------------------------------------------------------------------


async def test_the_announcement_shows_the_plan_without_plot(alice: Actor, sandbox: Sandbox) -> None:
    reply = await create(alice, 'episodes:S2E1-S2E2 start:"in 2 hours" title:"Season two, night one"')
    posted = announcement(sandbox)
    embed = posted.embeds[0]
    assert posted.visible_to == "everyone"
    assert posted.channel == "general"
    assert embed["title"] == "Watch party #1 · S2E1-S2E2"
    description = embed["description"]
    assert "**Season two, night one**" in description
    assert "S2E1 · Out\nS2E2 · Family" in description
    assert f"Hosted by <@{sandbox.user('alice').id}>" in description
    start = stamp_of(description, "F")
    assert abs(start - (sandbox.now() + timedelta(hours=2))) < timedelta(seconds=5)
    assert stamp_of(description, "R") == start
    assert stamp_of(description, "t") == start + timedelta(minutes=32 + 35)  # the two runtimes
    assert [(f["name"], f["value"]) for f in embed["fields"]] == [
        ("Going", "1"),  # the host
        ("Maybe", "0"),
        ("Can't", "0"),
    ]
    assert posted.buttons == ["Going", "Maybe", "Can't"]
    assert posted.pings == []
    # The host hears where it went, and that "in 2 hours" needed no time zone.
    assert reply.content.startswith("Watch party #1 is planned in <#")
    assert "UTC" not in reply.content


async def test_plain_phrases_are_read_in_the_members_zone_and_the_assumption_is_said(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    reply = await create(alice, "episodes:S2E3 start:23:30")
    assert "I read “23:30” as UTC because you haven't set a time zone" in reply.content
    assert stamp_of(announcement(sandbox).embeds[0]["description"], "F").strftime("%H:%M") == "23:30"

    await ask(bob, "/timezone set zone:America/New_York")
    reply = await create(bob, 'episodes:S2E4 start:"2027-07-01 20:00"')
    assert "UTC" not in reply.content
    # 8pm in New York in July is midnight UTC.
    assert stamp_of(announcement(sandbox).embeds[0]["description"], "F") == datetime(
        2027, 7, 2, 0, 0, tzinfo=UTC
    )


async def test_discords_time_picker_is_accepted(alice: Actor, sandbox: Sandbox) -> None:
    when = int((sandbox.now() + timedelta(days=3)).timestamp())
    reply = await create(alice, f"episodes:S1E1 start:<t:{when}:F>")
    assert f"<t:{when}:F>" in reply.content
    assert "UTC" not in reply.content


async def test_bad_input_gets_a_private_answer_and_creates_nothing(alice: Actor, sandbox: Sandbox) -> None:
    answers = {
        'episodes:S2E1 start:"2020-01-01 20:00"': "has already passed",
        'episodes:S2E1 start:"in 400 days"': "more than a year away",
        'episodes:S2E3-S2E1 start:"in 2 hours"': "That range runs backwards: did you mean `S2E1-S2E3`?",
        'episodes:S9E1 start:"in 2 hours"': "There's no episode S9E1",
        'episodes:S2E1 start:"whenever"': "I couldn't read the time",
        f'episodes:S2E1 start:"in 2 hours" title:{"x" * 81}': "Keep the title to 80 characters",
        'episodes:S2E1 start:"in 2 hours" title:"nick telling everyone at truth or dare"': "give away",
    }
    for options, expected in answers.items():
        reply = await ask(alice, f"/watchparty create {options}")
        assert reply.visible_to == "alice"
        assert expected in reply.content, (options, reply.content)
        assert "Traceback" not in reply.content
    assert not [o for o in sandbox.observations if o.visible_to == "everyone"]
    listed = await ask(alice, "/watchparty list")
    assert listed.content == "No watch parties coming up. `/watchparty create` plans one."


async def test_titles_never_ping_or_format(alice: Actor, sandbox: Sandbox) -> None:
    await create(alice, 'episodes:S2E1 start:"in 2 hours" title:"@everyone **hi** <@&1>"')
    posted = announcement(sandbox)
    assert posted.pings == []
    assert "@everyone" not in posted.embeds[0]["description"].replace("@\u200beveryone", "")
    assert "\\*\\*hi\\*\\*" in posted.embeds[0]["description"]


async def test_an_announcement_that_cannot_be_posted_saves_nothing(alice: Actor, sandbox: Sandbox) -> None:
    sandbox.fail_requests("POST", r"/channels/\d+/messages$", 503, times=10)
    reply = await ask(alice, '/watchparty create episodes:S2E1 start:"in 2 hours"')
    assert reply.content.startswith("Discord didn't accept the announcement just now, so nothing was saved")
    sandbox.rest.faults.clear()
    assert (await ask(alice, "/watchparty list")).content.startswith("No watch parties coming up")
    await wait(sandbox, hours=3)
    assert not [o for o in sandbox.observations if o.visible_to == "everyone"]


async def test_missing_permissions_are_named_before_anything_is_posted(
    alice: Actor, sandbox: Sandbox
) -> None:
    embeds = discord.Permissions(embed_links=True).value
    everyone = sandbox.guild.roles[sandbox.guild.id]
    await sandbox.set_role_permissions(everyone, everyone.permissions & ~embeds)
    await sandbox.set_bot_permissions(INVITE_PERMISSIONS.value & ~embeds)
    reply = await ask(alice, '/watchparty create episodes:S2E1 start:"in 2 hours"')
    assert "I need Embed Links there" in reply.content
    assert not [o for o in sandbox.observations if o.visible_to == "everyone"]


async def test_limits_per_member_are_explained(alice: Actor, sandbox: Sandbox) -> None:
    for day in range(1, 4):
        await create(alice, f'episodes:S1E{day} start:"in {day} days"')
    reply = await ask(alice, '/watchparty create episodes:S1E4 start:"in 4 days"')
    assert "You're already hosting 3 parties that haven't started" in reply.content
    assert len([o for o in sandbox.observations if o.action == "send" and o.embeds]) == 3


# -- RSVPs -------------------------------------------------------------------------------------------


async def test_rsvps_edit_the_announcement_and_survive_a_restart(
    alice: Actor, bob: Actor, sandbox: Sandbox, running: RunningBot
) -> None:
    await create(alice)
    message = announcement(sandbox).message
    confirmation = await press(bob, "Going")
    assert confirmation.visible_to == "bob"
    assert "You're going to watch party #1 (S2E1-S2E2)" in confirmation.content
    assert "I'll remind you 1 hour and 10 minutes before" in confirmation.content
    await running.restart()
    carol = Actor(sandbox, "carol")
    await carol.click("Maybe")
    await bob.click("Can't")
    await sandbox.idle()
    latest = announcement(sandbox)
    assert latest.message == message
    assert latest.action == "edit"  # edited in place, never reposted
    assert [f["value"] for f in latest.embeds[0]["fields"]] == ["1", "1", "1"]  # Going: the host
    again = await press(bob, "Can't")
    assert again.content.startswith("You already answered Can't.")


# -- reminders, the start and the end ----------------------------------------------------------------


async def test_reminders_ping_exactly_those_going_or_maybe(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    carol, dave = Actor(sandbox, "carol"), Actor(sandbox, "dave")
    await bob.click("Going")
    await carol.click("Maybe")
    await dave.click("Can't")
    await wait(sandbox, hours=1)
    [first] = in_thread(sandbox, "⏰")
    assert first.pings == ["alice", "bob", "carol"]  # the host is Going unless she answers otherwise
    assert "Watch party #1: **S2E1-S2E2** starts <t:" in first.content
    await wait(sandbox, minutes=55)
    assert [o.pings for o in in_thread(sandbox, "⏰")] == [["alice", "bob", "carol"]] * 2
    await wait(sandbox, minutes=10)
    [start] = in_thread(sandbox, "3... 2... 1... press play!")
    assert start.pings == ["alice", "bob", "carol"]
    assert "**S2E1 · Out**" in start.content
    await wait(sandbox, minutes=70)
    [end] = in_thread(sandbox, "That's S2E1-S2E2 done!")
    assert end.buttons == ["Mark S2E1-S2E2 watched"]
    ended = announcement(sandbox)
    assert ended.buttons == []
    assert "This party has ended." in ended.embeds[0]["description"]


async def test_dm_reminders_and_the_thread_when_dms_are_closed(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    carol = Actor(sandbox, "carol")
    for member in (bob, carol):
        reply = await ask(member, "/watchparty notify how:dm")
        assert reply.content.startswith("Your watch-party reminders will come by DM.")
    sandbox.refuse_dms("carol")
    await create(alice)
    await bob.click("Going")
    await carol.click("Going")
    await wait(sandbox, hours=1)
    [dm] = [o for o in sandbox.observations if o.channel is None and "⏰" in o.content]
    assert dm.visible_to == "bob"
    assert "Watch party #1 in **" in dm.content
    assert "/channels/" in dm.content
    [thread] = in_thread(sandbox, "⏰")
    # The host, and carol: her DM was refused, so she is mentioned instead, once.
    assert thread.pings == ["alice", "carol"]


async def test_a_reminder_due_while_the_bot_was_down_is_sent_late_once(
    alice: Actor, bob: Actor, sandbox: Sandbox, running: RunningBot
) -> None:
    await create(alice)
    await bob.click("Going")
    await sandbox.idle()
    await running.stop()
    await sandbox.advance(timedelta(hours=1, minutes=5))
    await running.start()
    late = await bob.wait_to_see(lambda o: "⏰" in o.content)
    assert "\n(Late: I was offline when this was due.) ⏰ Watch party #1" in late.content
    await running.restart()
    await wait(sandbox, minutes=1)
    assert len(in_thread(sandbox, "⏰")) == 1


async def test_after_downtime_only_the_latest_step_due_is_sent_and_it_says_it_is_late(
    alice: Actor, bob: Actor, sandbox: Sandbox, running: RunningBot
) -> None:
    await create(alice)
    await bob.click("Going")
    await sandbox.idle()
    await running.stop()
    await sandbox.advance(timedelta(hours=2, minutes=5))  # both reminders and the start fell due
    await running.start()
    await bob.wait_to_see(lambda o: "press play" in o.content)
    await sandbox.idle()
    assert in_thread(sandbox, "⏰") == []  # overtaken by the start
    [start] = in_thread(sandbox, "press play")
    assert start.pings == ["alice", "bob"]
    assert "(Late: I was offline when this was due.) 🎬" in start.content


async def test_after_downtime_a_reminder_overtaken_by_a_later_one_is_skipped(
    alice: Actor, bob: Actor, sandbox: Sandbox, running: RunningBot
) -> None:
    await create(alice)
    await bob.click("Going")
    await sandbox.idle()
    await running.stop()
    await sandbox.advance(timedelta(hours=1, minutes=55))  # the hour's and the ten minutes' reminders
    await running.start()
    await bob.wait_to_see(lambda o: "⏰" in o.content)
    await sandbox.idle()
    [reminder] = in_thread(sandbox, "⏰")
    assert "(Late: I was offline when this was due.) ⏰ Watch party #1: **S2E1-S2E2** starts <t:" in (
        reminder.content
    )
    await wait(sandbox, minutes=5)
    assert len(in_thread(sandbox, "press play")) == 1
    assert len(in_thread(sandbox, "⏰")) == 1


async def test_no_reminder_after_the_party_ended_but_the_prompt_still_comes(
    alice: Actor, bob: Actor, sandbox: Sandbox, running: RunningBot
) -> None:
    await create(alice)
    await bob.click("Going")
    await sandbox.idle()
    await running.stop()
    await sandbox.advance(timedelta(hours=5))
    await running.start()
    await bob.wait_to_see(lambda o: "done!" in o.content)
    await sandbox.idle()
    assert in_thread(sandbox, "⏰") == []
    assert in_thread(sandbox, "press play") == []
    [prompt] = in_thread(sandbox, "That's S2E1-S2E2 done!")
    assert prompt.content.startswith("<@")
    assert "(Late: I was offline" in prompt.content


async def test_rate_limits_and_server_errors_on_the_reminder_neither_drop_nor_repeat_it(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    await bob.click("Going")
    thread = sandbox.channel("Watch party #1")
    sandbox.fail_requests("POST", rf"/channels/{thread.id}/messages", 429)
    sandbox.fail_requests("POST", rf"/channels/{thread.id}/messages", 502)
    await wait(sandbox, hours=1)
    await bob.wait_to_see(lambda o: "⏰" in o.content)
    await wait(sandbox, minutes=5)
    assert len(in_thread(sandbox, "⏰")) == 1


async def test_a_reminder_sent_but_not_recorded_is_not_sent_again_when_its_step_reruns(
    alice: Actor, bob: Actor, sandbox: Sandbox, running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when the process is killed between sending and recording: the rerun's messages carry the same
    nonces, and Discord answers with the messages already made."""
    carol = Actor(sandbox, "carol")
    await ask(carol, "/watchparty notify how:dm")
    await create(alice)
    await bob.click("Going")
    await carol.click("Going")
    assert running.bot is not None
    parties = running.bot.parties
    record = parties.mark_delivered
    lost: list[str] = []

    async def lost_once(party: Party, step: str, user_ids: list[int]) -> None:
        kind = "thread" if THREAD in user_ids else "dm"
        if kind not in lost:  # carol's DM, and the thread message: each sent once, but not recorded
            lost.append(kind)
            raise RuntimeError("killed before recording")
        await record(party, step, user_ids)

    monkeypatch.setattr(parties, "mark_delivered", lost_once)
    await wait(sandbox, hours=1)
    for seconds in (31, 61):  # the failed step's retries, 30 s and then a minute later
        await wait(sandbox, seconds=seconds)
    assert lost == ["dm", "thread"]
    assert len(in_thread(sandbox, "⏰")) == 1
    assert len([o for o in sandbox.seen_by("carol") if o.channel is None and "⏰" in o.content]) == 1


async def test_mark_watched_raises_progress_and_never_lowers_it(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    await ask(alice, "/progress set episode:S3E1")
    await bob.click("Going")
    await wait(sandbox, hours=3, minutes=10)
    marked = await press(bob, "Mark S2E1-S2E2 watched")
    assert marked.content.startswith("Marked: you've watched up to **S2E2 · Family**")
    kept = await press(alice, "Mark S2E1-S2E2 watched")
    assert kept.content.startswith("You're already at **S3E1**, so I left your progress as it is")
    assert "S3E1" in (await ask(alice, "/progress show")).content


async def test_the_party_thread_may_discuss_the_episodes_watched(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    admin = Actor(sandbox, "admin")
    await ask(admin, "/config shield channel:#general mode:wrap")
    await create(alice)
    await bob.say(
        "charlie getting grounded for sneaking out to see nick after his maths exam", "Watch party #1"
    )
    await bob.say("nick telling everyone at truth or dare that they're together AAAAA", "Watch party #1")
    await sandbox.idle()
    posted = [o for o in sandbox.observations if o.channel == "Watch party #1" and o.action == "send"]
    s2e2, s2e6 = posted[0], posted[-1]
    assert "grounded" in visible_text(s2e2.content)  # up to S2E2: left alone
    assert "truth or dare" not in visible_text(s2e6.content)  # S2E6: wrapped by the shield


# -- managing ----------------------------------------------------------------------------------------


async def test_list_and_info(alice: Actor, bob: Actor, sandbox: Sandbox) -> None:
    await create(alice, 'episodes:S2E1-S2E2 start:"in 2 hours" title:"Night one"')
    await create(alice, 'episodes:S2E3 start:"in 1 days"')
    await bob.click("Going")
    listed = await ask(bob, "/watchparty list")
    heading, first, second = listed.content.splitlines()
    assert heading == "**Watch parties coming up here** (2)"
    assert first.startswith("**#1** S2E1-S2E2 · “Night one” · <t:")
    assert ":R>) · <#" in first
    assert first.endswith("· 1 going")  # the host
    assert second.startswith("**#2** S2E3")
    assert second.endswith("2 going")
    info = await ask(bob, "/watchparty info id:2")
    assert info.content.startswith("Your answer: **Going**")
    assert info.embeds[0]["title"] == "Watch party #2 · S2E3"
    missing = await ask(bob, "/watchparty info id:99")
    assert missing.content == "There's no watch party #99 in this server. `/watchparty list` shows them."


async def test_a_long_list_comes_in_pages(sandbox: Sandbox, running: RunningBot) -> None:
    title = "A long night of watching together with snacks, blankets and friends, number"
    for n in range(1, 26):  # the server's cap, three hosts at a time each
        host = Actor(sandbox, f"host{(n - 1) // 3}")
        await create(host, f'episodes:S2E1-S2E2 start:"in {n} days" title:"{title} {n}"')
    bob = Actor(sandbox, "bob")
    page = await ask(bob, "/watchparty list")
    assert page.buttons == ["Next"]
    count = int(re.findall(r"-# Page 1 of (\d+)$", page.content)[0])
    pages = [page]
    while "Next" in page.buttons:
        await bob.click("Next")
        await sandbox.idle()
        page = [o for o in sandbox.observations if o.message == pages[0].message][-1]
        assert page.action == "edit"  # turned in place, only for bob
        pages.append(page)
    assert len(pages) == count
    assert pages[-1].buttons == ["Previous"]
    assert all(
        len(p.content) <= 2000 and p.content.startswith("**Watch parties coming up here** (25)")
        for p in pages
    )
    listed = re.findall(r"\*\*#(\d+)\*\*", "".join(p.content for p in pages))
    assert listed == [str(n) for n in range(1, 26)]  # each once, soonest first


async def test_only_hosts_managers_and_moderators_manage_and_attendees_hear(
    alice: Actor, bob: Actor, sandbox: Sandbox
) -> None:
    await create(alice)
    await bob.click("Going")
    refused = await ask(bob, '/watchparty edit id:1 start:"in 3 hours"')
    assert refused.content.startswith(
        "Only the host of watch party #1, a party manager or someone with Manage"
    )
    edited = await ask(alice, '/watchparty edit id:1 start:"in 3 hours"')
    assert edited.content.startswith("Watch party #1 changed: it now starts")
    notice = await bob.wait_to_see(lambda o: "📝" in o.content)
    assert notice.pings == ["bob"]  # the host made the change herself
    new_start = stamp_of(announcement(sandbox).embeds[0]["description"], "F")
    assert abs(new_start - (sandbox.now() + timedelta(hours=3))) < timedelta(seconds=5)
    await wait(sandbox, hours=1, minutes=5)
    assert in_thread(sandbox, "⏰") == []  # the old plan's reminder is gone
    await wait(sandbox, hours=1)
    assert len(in_thread(sandbox, "⏰")) == 1  # the new one, an hour before the new start

    admin = Actor(sandbox, "admin")
    cancelled = await ask(admin, "/watchparty cancel id:1")
    assert cancelled.content.startswith("Watch party #1 is cancelled.")
    told = await bob.wait_to_see(lambda o: "❌" in o.content)
    assert told.pings == ["alice", "bob"]
    latest = announcement(sandbox)
    assert latest.embeds[0]["title"] == "Cancelled: Watch party #1 · S2E1-S2E2"
    assert latest.buttons == []
    await wait(sandbox, hours=3)
    assert len(in_thread(sandbox, "⏰")) == 1
    assert in_thread(sandbox, "press play") == []


async def test_the_party_manager_role_may_cancel(alice: Actor, bob: Actor, sandbox: Sandbox) -> None:
    admin = Actor(sandbox, "admin")
    await sandbox.give_role("bob", "Party crew")
    assert (await ask(admin, '/config party-manager role:"@Party crew"')).content.startswith(
        "Members with <@&"
    )
    await create(alice)
    assert (await ask(bob, "/watchparty cancel id:1")).content.startswith("Watch party #1 is cancelled.")


async def test_server_reminder_offsets(alice: Actor, bob: Actor, sandbox: Sandbox) -> None:
    admin = Actor(sandbox, "admin")
    await create(alice)
    await bob.click("Going")
    bad = await ask(admin, "/config party-reminders offsets:soon")
    assert "write offsets like `1h, 10m`" in bad.content
    set_ = await ask(admin, "/config party-reminders offsets:30m")
    assert (
        set_.content
        == "Watch parties here now get **30 minutes before**. Reminders for 1 upcoming party moved to match."
    )
    shown = await ask(admin, "/config show")
    assert "Watch-party reminders: 30 minutes before" in shown.content
    await wait(sandbox, hours=1, minutes=45)
    [reminder] = in_thread(sandbox, "⏰")
    assert reminder.pings == ["alice", "bob"]


async def test_scheduled_events_mirror_the_party(alice: Actor, sandbox: Sandbox) -> None:
    await create(alice)
    [event] = sandbox.scheduled_events.values()
    assert event["name"] == "Watch party #1 · S2E1-S2E2"
    assert "S2E1 · Out, S2E2 · Family" in event["description"]
    assert event["description"].endswith(f"/{announcement(sandbox).message}")  # a link to the announcement
    await ask(alice, '/watchparty edit id:1 episodes:S2E1-S2E3 start:"in 5 hours"')
    assert event["name"] == "Watch party #1 · S2E1-S2E3"
    assert event["scheduled_start_time"].startswith(
        (sandbox.now() + timedelta(hours=5)).strftime("%Y-%m-%dT%H")
    )
    await ask(alice, "/watchparty cancel id:1")
    assert event["status"] == 4  # cancelled


async def test_without_event_permissions_the_host_is_told(alice: Actor, sandbox: Sandbox) -> None:
    no_events = INVITE_PERMISSIONS.value & ~discord.Permissions(create_events=True, manage_events=True).value
    await sandbox.set_bot_permissions(no_events)
    reply = await create(alice)
    assert "isn't in the server's Events list: I need the Create Events" in reply.content
    assert sandbox.scheduled_events == {}


async def test_the_episodes_option_suggests_an_episode_then_where_a_range_ends(
    alice: Actor, sandbox: Sandbox
) -> None:
    first = await sandbox.autocomplete("alice", "watchparty create episodes:S2E1")
    assert [choice["value"] for choice in first] == ["S2E1"]
    ends = await sandbox.autocomplete("alice", "watchparty create episodes:S2E1-")
    assert ends
    assert all(choice["value"].startswith("S2E1-") for choice in ends)
    assert "S2E1-S1E8" not in [choice["value"] for choice in ends]  # a range never runs backwards
    assert await sandbox.autocomplete("alice", "watchparty edit id:1 episodes:nonsense-S2E2") == []
