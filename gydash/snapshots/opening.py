"""Opening a file only when it is a regular file, and an operating-system error in words staff can act on."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

NOT_REGULAR = "不是普通文件（如命名管道、设备或套接字），不读取：打开它可能永远等不到数据"
_OS_REASONS = {
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ENOENT: "已不存在",
    errno.ELOOP: "链接循环",
    errno.ENAMETOOLONG: "路径太长",
    errno.ENOTDIR: "不是文件夹",
    errno.EIO: "磁盘读写错误",
}


class NotRegularFile(OSError):
    """A path that is a named pipe, device or socket where a file was expected."""


def os_reason(exc: OSError) -> str:
    """An operating-system error in words staff can act on (the system's own text is often English)."""
    if isinstance(exc, NotRegularFile):
        return NOT_REGULAR
    return _OS_REASONS.get(exc.errno, f"系统错误 {exc.errno}" if exc.errno else "系统错误")


def open_regular(path: Path | str):
    """A binary file object for `path`, only if it is a regular file: a named pipe or device is never opened for
    reading in a way that waits (O_NONBLOCK), and is refused with NotRegularFile once its type is seen."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(errno.EINVAL, NOT_REGULAR)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
