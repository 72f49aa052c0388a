"""The registry's own reader of entry points finds what `importlib.metadata` finds, in the same order."""

from __future__ import annotations

import importlib.metadata
import logging
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fidelity.probe import entry_points as reader
from fidelity.probe.registry import GROUP


def standard(group: str) -> list[tuple[str, str, str]]:
    return [(e.name, e.value, e.group) for e in importlib.metadata.entry_points(group=group)]


def ours(group: str) -> list[tuple[str, str, str]]:
    return [(e.name, e.value, e.group) for e in reader.entry_points(group)]


def dist(folder: Path, dirname: str, text: str | bytes | None) -> Path:
    info = folder / dirname
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dirname.split('-')[0]}\nVersion: 1\n")
    if isinstance(text, bytes):
        (info / "entry_points.txt").write_bytes(text)
    elif text is not None:
        (info / "entry_points.txt").write_text(text, encoding="utf-8")
    return info


@pytest.mark.parametrize("group", [GROUP, "console_scripts", "pytest11", "no.such.group"])
def test_this_environment_gives_the_same_entry_points(group: str) -> None:
    assert ours(group) == standard(group)


def test_the_first_distribution_of_a_name_on_the_path_wins_as_importlib_metadata_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    dist(first, "Weather.Probe-2.0.dist-info",
         "# a comment\n\n[fidelity.probes]\nweather = weather_new:Probe\n  sky = a.b : C.D [extra] \n"
         "[console_scripts]\nweather = weather_new:main\n")
    dist(second, "weather_probe-1.0.dist-info", "[fidelity.probes]\nweather = weather_old:Probe\n")
    dist(second, "other-1.0.egg-info", "stray = before:any_header\r\n[ fidelity.probes ]\r\nx = y:z\r\n"
                                      "[fidelity.probes]\r\nrain = rain_probe:Probe\r\nodd = m:f=g\r\n")
    dist(second, "no_entry_points-1.0.dist-info", None)
    (second / "legacy-0.1.egg-info").write_text("Metadata-Version: 1.0\nName: legacy\n")  # a file
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    found = ours(GROUP)
    assert found == standard(GROUP)
    assert [name for name, _, _ in found] == ["weather", "sky", "rain", "odd"]
    assert reader.entry_points(GROUP)[1].value == "a.b : C.D [extra]"


def test_layouts_it_does_not_read_itself_are_left_to_importlib_metadata(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped_probe-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped-probe\n")
        zipped.writestr("zipped_probe-1.0.dist-info/entry_points.txt", "[fidelity.probes]\nzipped = z:P\n")
    upper = tmp_path / "upper"
    dist(upper, "Shouty-1.0.DIST-INFO", "[fidelity.probes]\nshouty = s:P\n")
    for path in ([str(archive)], [str(upper)]):
        monkeypatch.setattr(sys, "path", path)
        assert ours(GROUP) == standard(GROUP) != []


def test_a_broken_metadata_file_is_skipped_with_a_warning_naming_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    dist(tmp_path, "garbled-1.0.dist-info", b"[fidelity.probes]\nbad = \xff\xfe:P\n")
    dist(tmp_path, "sloppy-1.0.dist-info", "[fidelity.probes]\n<script>alert(1)</script>\ngood = g:P\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    with caplog.at_level(logging.WARNING):
        found = ours(GROUP)
    assert found == [("good", "g:P", GROUP)]
    assert "garbled-1.0.dist-info" in caplog.text
    assert "<script>alert(1)</script>" in caplog.text


def test_loading_follows_the_module_and_attribute_path(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "nested_probe.py").write_text("class Outer:\n    class Inner:\n        pass\n")
    dist(tmp_path, "nested-1.0.dist-info", "[fidelity.probes]\nnested = nested_probe:Outer.Inner\n"
                                           "broken = not a value!\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    nested, broken = reader.entry_points(GROUP)
    assert nested.load().__qualname__ == "Outer.Inner"
    with pytest.raises(ValueError, match="module:attribute"):
        broken.load()


def test_an_audit_of_config_files_does_not_import_importlib_metadata() -> None:
    """What the reader is for: the start-up of a command that needs no database driver stays light."""
    code = ("import sys; from fidelity.probe import registry; assert registry.get('config_files'); "
            "print('importlib.metadata' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
