"""A file's state as a build records it: its lstat (device, inode, size, mtime_ns, ctime_ns) packed in 40
bytes, and the rule for when a state may be recorded at all: the file was last changed before a clock
reading (the ctime of something made just then), on the same device. generated_manifest.py explains why
that is sound: any later change gives the file a newer ctime, so a recorded state never matches a file
that changed since, as git's index does (https://git-scm.com/docs/racy-git)."""

from __future__ import annotations

import os
import struct

STATE = struct.Struct("<QQqqq")  # device, inode, size, mtime_ns, ctime_ns
NONE = bytes(STATE.size)  # no state: matches no file


def packed(info: os.stat_result) -> bytes:
    return STATE.pack(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def recordable(info: os.stat_result, clock: os.stat_result) -> bool:
    """A regular file last changed before `clock`, on its device."""
    return info.st_dev == clock.st_dev and info.st_ctime_ns < clock.st_ctime_ns and \
        info.st_mtime_ns < clock.st_ctime_ns and (info.st_mode & 0o170000) == 0o100000
