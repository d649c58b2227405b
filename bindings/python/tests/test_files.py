"""File operations: round trips (all 256 byte values), list, push/pull, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketdock import Container


def test_all_byte_values_round_trip(shared: Container) -> None:
    data = bytes(range(256)) * 3
    shared.write_file("/tmp/bytes.bin", data)
    assert shared.read_file("/tmp/bytes.bin") == data
    assert shared.run("wc -c < /tmp/bytes.bin").stdout.strip() == "768"


def test_text_and_parents(shared: Container) -> None:
    shared.write_file("/home/sandbox/deep/er/hello.txt", "Hello from host! é")
    assert shared.read_file("/home/sandbox/deep/er/hello.txt").decode() == "Hello from host! é"
    assert "hello.txt" in shared.list_files("/home/sandbox/deep/er")


def test_list_files_default_and_dotfiles(shared: Container) -> None:
    shared.write_file("/home/sandbox/.hidden", "x")
    names = shared.list_files()
    assert ".hidden" in names
    assert "." not in names and ".." not in names


def test_missing_file(shared: Container) -> None:
    with pytest.raises(FileNotFoundError):
        shared.read_file("/no/such/file")
    with pytest.raises(FileNotFoundError):
        shared.list_files("/no/such/dir")


def test_push_pull(shared: Container, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("A")
    (src / "sub" / "b.bin").write_bytes(bytes(range(256)))
    shared.push(str(src / "a.txt"), "/tmp/pushed.txt")
    assert shared.read_file("/tmp/pushed.txt") == b"A"
    shared.push(str(src), "/tmp/tree")
    assert shared.read_file("/tmp/tree/sub/b.bin") == bytes(range(256))
    shared.pull("/tmp/pushed.txt", str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == "A"
    shared.pull("/tmp/tree", str(tmp_path / "tree"))
    assert (tmp_path / "tree" / "sub" / "b.bin").read_bytes() == bytes(range(256))
    with pytest.raises(FileNotFoundError):
        shared.push(str(tmp_path / "missing"), "/tmp/x")
