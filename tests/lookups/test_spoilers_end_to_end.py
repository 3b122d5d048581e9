"""Progress, lookups and spoiler levels, as members and admins see them through the sandbox."""

from __future__ import annotations

import json

import discord
import pytest

from bot.canon import Canon, EpisodeCode
from bot.core.errors import NotFound
from bot.lookups.service import LookupService
from bot.sandbox.harness import Actor, RunningBot
from bot.sandbox.observe import Observation
from bot.sandbox.server import Sandbox
from bot.spoilers import spoilered_parts, visible_text
from tests.privacy.test_privacy import downloads


def beats(canon: Canon, code: str) -> list[str]:
    episode = canon.episode(EpisodeCode.parse(code))
    assert episode is not None
    return [beat.text for beat in episode.beats]


def shown(observation: Observation, text: str) -> bool:
    return text in visible_text(observation.text)


def wrapped(observation: Observation, text: str) -> bool:
    return any(text in part for part in spoilered_parts(observation.text))


async def ask(actor: Actor, command: str) -> Observation:
    return await actor.reply_to(await actor.run(command))


# -- progress ------------------------------------------------------------------------------------------


async def test_set_progress_by_code_title_or_2x03(alice: Actor) -> None:
    for typed, expected in [
        ("S2E3", "S2E3 · Promise"),
        ("promise", "S2E3 · Promise"),
        ("2x04", "S2E4 · Challenge"),
    ]:
        reply = await ask(alice, f'/progress set episode:"{typed}"')
        assert reply.visible_to == "alice"
        assert expected in reply.content
    reply = await ask(alice, "/progress show")
    assert "You've watched up to **S2E4 · Challenge**" in reply.content


async def test_next_moves_one_episode_on(alice: Actor) -> None:
    assert "S1E1 · Meet" in (await ask(alice, "/progress next")).content
    await ask(alice, "/progress set episode:S1E8")
    assert "S2E1 · Out" in (await ask(alice, "/progress next")).content


async def test_next_after_the_last_episode_says_so_and_changes_nothing(alice: Actor) -> None:
    await ask(alice, "/progress set episode:S3E8")
    reply = await ask(alice, "/progress next")
    assert reply.content == "You've watched everything up to S3E8, the last episode so far."
    assert "S3E8" in (await ask(alice, "/progress show")).content


async def test_reset_forgets_progress(alice: Actor) -> None:
    await ask(alice, "/progress set episode:S2E2")
    await ask(alice, "/progress reset")
    assert "you haven't set your progress" in (await ask(alice, "/progress show")).content.lower()


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("S9E9", "There's no episode S9E9"),
        ("S2E9", "There's no episode S2E9"),
        ("zzzzzz", "I couldn't find an episode called “zzzzzz”."),
        ("x" * 300, "That's too long to be an episode code or title"),
        ("@everyone", "I couldn't find an episode called “@\u200beveryone”."),
    ],
)
async def test_bad_episodes_get_a_short_private_answer_and_store_nothing(
    alice: Actor, typed: str, answer: str
) -> None:
    reply = await ask(alice, f'/progress set episode:"{typed}"')
    assert reply.visible_to == "alice"
    assert reply.content.startswith(answer)
    assert "haven't set your progress" in (await ask(alice, "/progress show")).content


# -- lookups and the renderer --------------------------------------------------------------------------


async def test_episode_past_your_progress_is_wrapped(alice: Actor, canon: Canon) -> None:
    await ask(alice, "/progress set episode:S2E4")
    later = await ask(alice, "/episode episode:S2E5")
    assert later.embeds[0]["title"] == "S2E5 · Heat"
    assert shown(later, canon.episode(EpisodeCode(2, 5)).logline)  # type: ignore[union-attr]
    for text in beats(canon, "S2E5"):
        assert not shown(later, text)
        assert wrapped(later, text)
    earlier = await ask(alice, "/episode episode:S2E3")
    for text in beats(canon, "S2E3"):
        assert shown(earlier, text)


async def test_hide_mode_leaves_later_details_out_with_a_note(alice: Actor, canon: Canon) -> None:
    await ask(alice, "/progress set episode:S2E4")
    await ask(alice, "/progress mode mode:hide")
    reply = await ask(alice, "/episode episode:S2E5")
    assert all(text not in reply.text for text in beats(canon, "S2E5"))
    assert "left out" in reply.text


async def test_first_lookup_without_progress_explains_once(alice: Actor) -> None:
    await alice.run("/season season:1")
    hint = await alice.wait_to_see(lambda o: o.content.startswith("Tip: you haven't told me"))
    assert hint.visible_to == "alice"
    await ask(alice, "/season season:2")
    assert len([o for o in alice.sees() if o.content.startswith("Tip:")]) == 1


async def test_a_surprise_character_you_have_not_met_is_answered_as_if_unknown(alice: Actor) -> None:
    await ask(alice, "/progress set episode:S1E8")
    for typed in ("Stephane", "Thibault de Montalembert"):  # typing the actor must not confirm a cameo
        reply = await ask(alice, f'/character name:"{typed}"')
        assert reply.embeds == []
        assert reply.content.startswith(f"I couldn't find a character or actor called “{typed}”.")
        assert "Montalembert" not in reply.content.removeprefix(
            f"I couldn't find a character or actor called “{typed}”."
        )
        assert reply.visible_to == "alice"


async def test_a_surprise_character_you_have_met_is_found(alice: Actor, canon: Canon) -> None:
    stephane = next(c for c in canon.characters if c.id == "stephane")
    await ask(alice, f"/progress set episode:{stephane.first_appearance}")
    assert (await ask(alice, "/character name:Stephane")).embeds[0]["title"] == stephane.name


async def test_cast_at_s1e8_names_the_announced_cast_and_characters_met_only(
    alice: Actor, canon: Canon
) -> None:
    await ask(alice, "/progress set episode:S1E8")
    reply = await ask(alice, "/cast")
    seen = visible_text(reply.text)
    for character in canon.characters:
        public = canon.is_announced(character.id) or character.first_appearance <= EpisodeCode(1, 8)
        assert (character.name in seen) == public, character.name


async def test_the_announced_cast_is_public_but_what_the_show_tells_is_not(alice: Actor) -> None:
    reply = await ask(alice, "/character name:Geoff")  # announced for season 3, nothing watched
    assert reply.embeds[0]["title"] == "Geoff"
    fields = {field["name"]: field["value"] for field in reply.embeds[0]["fields"]}
    assert fields["Played by"] == "Eddie Marsan"
    assert fields["Announced as"] == "Charlie's wise and straight-talking therapist"
    assert visible_text(fields["First appears"]).strip() == ""
    assert "therapist" not in visible_text(reply.embeds[0]["description"])


async def test_seasons_show_only_what_the_reader_can_know(alice: Actor, canon: Canon) -> None:
    s1e8 = EpisodeCode(1, 8)
    met = next(
        c
        for c in canon.characters
        if not canon.announcements(c.id) and c.first_appearance <= s1e8 and c.seasons != (1,)
    )
    await ask(alice, f"/progress set episode:{s1e8}")
    reply = await ask(alice, f"/character name:{met.id}")
    fields = {field["name"]: field["value"] for field in reply.embeds[0]["fields"]}
    assert visible_text(fields["Seasons"]) == "S1 ✓ ·  · "  # seasons 2 and 3 not watched: both behind tags
    marks = ["✓" if season in met.seasons else "✗" for season in (2, 3)]
    assert spoilered_parts(fields["Seasons"]) == [f"S2 {marks[0]}", f"S3 {marks[1]}"]


async def test_seasons_announced_show_before_the_character_appears(alice: Actor, canon: Canon) -> None:
    david = next(c for c in canon.characters if c.id == "david")  # announced for season 2 only
    assert list(canon.announcements("david")) == [2]
    reply = await ask(alice, "/character name:David")  # nothing watched
    fields = {field["name"]: field["value"] for field in reply.embeds[0]["fields"]}
    assert visible_text(fields["Seasons"]) == " · S2 ✓ · "
    assert spoilered_parts(fields["Seasons"]) == ["S1 ✗", f"S3 {'✓' if 3 in david.seasons else '✗'}"]


async def test_a_seasons_cast_shows_who_was_announced_for_it_and_hides_the_rest(
    alice: Actor, canon: Canon
) -> None:
    await ask(alice, "/progress set episode:S1E8")
    reply = await ask(alice, "/cast season:3")
    for character in canon.characters:
        line = f"**{character.name}**: {character.actor}"
        announced = canon.announcements(character.id).get(3)
        if announced is not None and announced.appears:
            assert shown(reply, line), character.id  # announced for season 3: public
        elif 3 in character.seasons:
            assert wrapped(reply, line), character.id  # season 3 not watched: in it, but hidden
        else:
            assert line not in reply.text, character.id
    assert "Sarah Nelson" not in reply.text  # announced as not returning


async def test_character_suggestions_name_only_characters_met_or_announced(
    running: RunningBot, sandbox: Sandbox
) -> None:
    sandbox.user("alice")
    names = {choice["name"] for choice in await sandbox.autocomplete("alice", "character name:e")}
    assert any("Geoff" in name for name in names)  # announced for season 3: public
    assert not any("Stephane" in name for name in names)  # a surprise in season 2


async def test_episode_autocomplete_offers_codes_and_titles(running: RunningBot, sandbox: Sandbox) -> None:
    choices = await sandbox.autocomplete("alice", "episode episode:prom")
    assert choices[0] == {"name": "S2E3 · Promise", "value": "S2E3"}


@pytest.mark.parametrize(
    "command",
    [
        "episode episode",
        "trivia episode",
        "progress set episode",
        "config baseline episode",
        "config spoiler-channel set channel:#general up-to",
        "config shield-term add phrase:rainy episode",
    ],
)
async def test_every_option_naming_an_episode_reads_and_suggests_alike(
    sandbox: Sandbox, running: RunningBot, command: str
) -> None:
    admin = Actor(sandbox, "admin")
    choices = await sandbox.autocomplete("admin", f"{command}:prom")
    assert choices[0] == {"name": "S2E3 · Promise", "value": "S2E3"}
    reply = await ask(admin, f"/{command}:zzzzzz")
    assert reply.visible_to == "admin"
    assert reply.content.startswith("I couldn't find an episode called “zzzzzz”.")


async def test_a_servers_level_may_be_none(sandbox: Sandbox, running: RunningBot) -> None:
    admin = Actor(sandbox, "admin")
    await ask(admin, "/config baseline episode:S2E1")
    reply = await ask(admin, "/config baseline episode:none")
    assert reply.content.startswith("Every channel may now show up to **nothing watched**")


# -- shared lookups, channel levels and the Reveal button -----------------------------------------------


async def test_shared_lookup_uses_the_channel_level_and_reveals_privately(
    alice: Actor, bob: Actor, canon: Canon
) -> None:
    await ask(alice, "/progress set episode:S2E4")
    await alice.run("/episode episode:S2E3 share:true")
    post = await bob.wait_to_see(lambda o: o.visible_to == "everyone" and o.author == "heartbot")
    assert post.buttons == ["Reveal for me"]
    assert all(wrapped(post, text) for text in beats(canon, "S2E3"))
    await alice.click("Reveal for me")
    revealed = await alice.wait_to_see(
        lambda o: o.visible_to == "alice" and "S2E3" in o.text and o.message > post.message
    )
    assert all(shown(revealed, text) for text in beats(canon, "S2E3"))
    assert [o for o in bob.sees() if o.message == revealed.message] == []


# -- long answers come in pages ------------------------------------------------------------------------


def bullets(observation: Observation) -> list[str]:
    return [line for line in observation.text.split("\n") if line.startswith("• ")]


async def test_all_the_trivia_is_reachable_in_pages_rendered_for_the_reader(
    alice: Actor, canon: Canon
) -> None:
    await ask(alice, "/progress set episode:S1E8")
    first = await ask(alice, "/trivia")
    assert first.buttons == ["Next"]
    assert "Page 1 of 2" in first.content
    await alice.click("Next")
    second = await alice.wait_to_see(lambda o: o.action == "edit" and "Page 2 of 2" in o.content)
    assert second.buttons == ["Previous"]
    pages = [first, second]
    assert len(bullets(first)) + len(bullets(second)) == len(canon.trivia)  # nothing left out
    assert "…and" not in first.text + second.text
    for item in canon.trivia:  # each page at alice's progress: up to S1E8 shown, later wrapped
        if item.reveals <= EpisodeCode(1, 8):
            assert any(shown(page, item.text[:40]) for page in pages), item.id
        else:
            assert not any(shown(page, item.text[:40]) for page in pages), item.id


async def test_a_shared_list_turns_privately_at_the_clickers_progress(
    alice: Actor, bob: Actor, canon: Canon
) -> None:
    await ask(bob, "/progress set episode:S3E8")
    await alice.run("/trivia share:true")
    post = await bob.wait_to_see(lambda o: o.visible_to == "everyone" and o.author == "heartbot")
    assert post.buttons == ["Next", "Reveal for me"]  # no plot on a button
    assert all(line.startswith("• ||") for line in bullets(post))  # the channel has watched nothing
    await bob.click("Next")
    page = await bob.wait_to_see(lambda o: o.visible_to == "bob" and "Page 2 of 2" in o.content)
    later = [item for item in canon.trivia if item.text[:40] in page.text]
    assert later
    assert all(shown(page, item.text[:40]) for item in later)  # bob has watched everything
    assert page.pings == []


async def test_reveal_works_after_a_restart(alice: Actor, running: RunningBot, canon: Canon) -> None:
    await ask(alice, "/progress set episode:S3E8")
    await alice.run("/episode episode:S2E5 share:true")
    await alice.wait_to_see(lambda o: o.visible_to == "everyone")
    await running.restart()
    await alice.click("Reveal for me")
    revealed = await alice.wait_to_see(lambda o: o.visible_to == "alice" and "S2E5" in o.text)
    assert all(shown(revealed, text) for text in beats(canon, "S2E5"))


async def test_config_needs_manage_server(alice: Actor) -> None:
    reply = await ask(alice, "/config baseline episode:S3E8")
    assert reply.content == "You need the Manage Server permission to use this command."
    assert reply.visible_to == "alice"


async def test_baseline_and_spoiler_channels_raise_what_shared_posts_show(
    sandbox: Sandbox, running: RunningBot, canon: Canon
) -> None:
    admin, alice = Actor(sandbox, "admin"), Actor(sandbox, "alice")
    await ask(admin, "/config baseline episode:S1E8")
    await ask(admin, "/config spoiler-channel set channel:#s2-spoilers up-to:S2E8")
    settings = await ask(admin, "/config show")
    assert "Baseline (every channel): **S1E8 · Boyfriend**" in settings.content
    assert "up to **S2E8 · Perfect**" in settings.content
    await alice.run("/episode episode:S2E5 share:true", channel="s2-spoilers")
    post = await alice.wait_to_see(lambda o: o.channel == "s2-spoilers" and o.author == "heartbot")
    assert all(shown(post, text) for text in beats(canon, "S2E5"))
    await alice.run("/episode episode:S2E5 share:true")
    general = await alice.wait_to_see(lambda o: o.channel == "general" and o.author == "heartbot")
    assert all(wrapped(general, text) for text in beats(canon, "S2E5"))


# -- privacy -------------------------------------------------------------------------------------------


async def test_export_shows_everything_stored(alice: Actor, sandbox: Sandbox) -> None:
    await ask(alice, "/progress set episode:S2E3")
    await ask(alice, "/privacy export")
    [download] = downloads(sandbox)
    stored = json.loads(download["content"])
    assert stored["watched_up_to"] == "S2E3"
    assert stored["spoiler_mode"] == "wrap"


async def test_delete_asks_first_then_erases(alice: Actor, sandbox: Sandbox) -> None:
    await ask(alice, "/progress set episode:S2E3")
    question = await ask(alice, "/privacy delete")
    assert question.buttons == ["Delete my data"]
    assert "S2E3" in (await ask(alice, "/progress show")).content  # nothing gone before confirming
    await alice.click("Delete my data")
    await alice.wait_to_see(lambda o: o.action == "edit" and o.content.startswith("Done"))
    assert (await ask(alice, "/privacy export")).content.startswith("I store nothing about you")


async def test_config_commands_are_hidden_from_members_without_manage_server(
    running: RunningBot, sandbox: Sandbox
) -> None:
    [(_, commands)] = sandbox.command_syncs
    config = next(command for command in commands if command["name"] == "config")
    assert int(config["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    assert config.get("contexts") == [0]  # servers only


async def test_removing_a_spoiler_channel_returns_it_to_the_baseline(
    sandbox: Sandbox, running: RunningBot
) -> None:
    admin = Actor(sandbox, "admin")
    await ask(admin, "/config spoiler-channel set channel:#s3 up-to:S3E8")
    assert (await ask(admin, "/config spoiler-channel remove channel:#s3")).content.endswith(
        "back to the server's baseline."
    )
    again = await ask(admin, "/config spoiler-channel remove channel:#s3")
    assert "isn't a spoiler channel" in again.content
    assert "No spoiler channels" in (await ask(admin, "/config show")).content


@pytest.mark.parametrize(
    ("typed", "title"), [("promis", "S2E3 · Promise"), ("hEaT", "S2E5 · Heat"), ("2x5", "S2E5 · Heat")]
)
async def test_episode_lookups_tolerate_typos_and_case(alice: Actor, typed: str, title: str) -> None:
    assert (await ask(alice, f"/episode episode:{typed}")).embeds[0]["title"] == title


async def test_a_lookup_that_finds_nothing_offers_the_closest_matches(alice: Actor) -> None:
    reply = await ask(alice, '/episode episode:"Prommmise night"')
    assert reply.visible_to == "alice"
    assert reply.content.startswith(
        "I couldn't find an episode called “Prommmise night”. Closest: S2E3 · Promise"
    )


async def test_characters_by_actor_and_with_a_typo(alice: Actor) -> None:
    await ask(alice, "/progress set episode:S3E8")
    assert (await ask(alice, '/character name:"joe locke"')).embeds[0]["title"] == "Charlie Spring"
    assert (await ask(alice, "/character name:Charlei")).embeds[0]["title"] == "Charlie Spring"


async def test_time_zone_set_show_export_and_delete(alice: Actor, sandbox: Sandbox) -> None:
    assert "read your times as UTC" in (await ask(alice, "/timezone show")).content
    assert "**Europe/London**" in (await ask(alice, "/timezone set zone:uk")).content
    assert "**Europe/London**" in (await ask(alice, "/timezone show")).content
    refusal = await ask(alice, "/timezone set zone:Middle/Earth")
    assert refusal.content.startswith("I don't know the time zone")
    await ask(alice, "/privacy export")
    assert json.loads(downloads(sandbox)[-1]["content"])["time_zone"] == "Europe/London"
    await ask(alice, "/privacy delete")
    await alice.click("Delete my data")
    await alice.wait_to_see(lambda o: o.action == "edit" and o.content.startswith("Done"))
    assert "read your times as UTC" in (await ask(alice, "/timezone show")).content
    choices = await sandbox.autocomplete("alice", "timezone set zone:new_y")
    assert {"name": "America/New_York", "value": "America/New_York"} in choices


@pytest.mark.parametrize(("kind", "key"), [("season", "x"), ("cast", "9x"), ("season", "9"), ("map", "1")])
def test_a_button_naming_what_no_longer_exists_gets_a_short_answer(canon: Canon, kind: str, key: str) -> None:
    with pytest.raises(NotFound):
        LookupService(canon).rebuild(kind, key)
