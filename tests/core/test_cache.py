"""heartbot's cache folder: where it is, and that a folder it cannot use only costs the work again."""

from __future__ import annotations

from pathlib import Path

from bot.core.cache import cache_dir, keep, read_kept


def test_the_folder_is_heartbots_own_setting_then_xdgs_then_home() -> None:
    assert cache_dir({"HEARTBOT_CACHE_DIR": "/srv/heartbot", "XDG_CACHE_HOME": "/x"}) == Path("/srv/heartbot")
    assert cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/heartbot")
    assert cache_dir({}) == Path.home() / ".cache" / "heartbot"


def test_a_kept_file_reads_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "checks.json"
    assert read_kept(path) is None
    assert keep(path, b"[]")
    assert read_kept(path) == b"[]"
    assert [p.name for p in path.parent.iterdir()] == ["checks.json"]  # no partial file left beside it


def test_a_folder_that_cannot_be_made_is_no_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    assert not keep(tmp_path / "file" / "checks.json", b"[]")
    assert read_kept(tmp_path / "file" / "checks.json") is None
