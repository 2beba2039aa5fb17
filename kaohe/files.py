"""Writing a file kaohe makes: never over one of its inputs, atomically, with what to do when it fails.

The lowest layer of every writer (the reader, the check, the copy, the papers, the roll-up): it
imports nothing of kaohe but the package's last step (kaohe.package).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from . import package


class WorkbookError(Exception):
    """A file that cannot be used at all: one Chinese line saying why (exit status 2)."""


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: by any path, through links (symbolic or hard)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist (yet), or is a link loop
        return os.path.realpath(a) == os.path.realpath(b)


def output_path(target: str | Path, *sources: str | Path) -> Path:
    """A file to write, checked before any work: never one of the inputs, in a folder that exists."""
    target = Path(target)
    for source in sources:
        if same_file(source, target):
            raise WorkbookError(f"输出文件不能是原文件本身：{target}（原文件不变，请另起文件名）")
    folder = target.parent
    if not folder.exists():
        raise WorkbookError(f"输出文件夹不存在：{folder}（请先建立该文件夹，或换一个路径）")
    if not folder.is_dir():
        raise WorkbookError(f"输出路径 {target} 中的 {folder} 是一个文件，不是文件夹（请换一个路径）")
    if target.is_dir():
        raise WorkbookError(f"输出路径 {target} 是一个文件夹（请给出文件名）")
    return target


_WRITE_REASONS = {errno.ENOSPC: "磁盘空间不足，请腾出空间后重试", errno.EDQUOT: "磁盘配额已满，请腾出空间后重试",
                  errno.EACCES: "没有写入权限（或文件正被其他程序打开），请换一个文件夹或关闭该文件",
                  errno.EPERM: "没有写入权限，请换一个文件夹", errno.EROFS: "该位置只读，请换一个文件夹",
                  errno.ENOENT: "文件夹不存在，请先建立该文件夹", errno.ENOTDIR: "路径中有一段不是文件夹，请换一个路径"}


def write_error(exc: OSError, path: str | Path) -> WorkbookError:
    """An operating system's refusal to write, as what the clerk can do about it."""
    reason = _WRITE_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
    return WorkbookError(f"无法写入 {path}：{reason}")


_UMASK = os.umask(0o022)
os.umask(_UMASK)


def replace_atomically(path: str | Path, write: Callable[[Path], None], *sources: str | Path) -> None:
    """``write(temporary)`` beside the target, then rename: a failure or a kill never leaves half a file under
    the name, parallel runs never share a temporary file, and nothing is left behind but the result."""
    path = output_path(path, *sources)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        raise write_error(exc, path) from None
    os.close(fd)
    partial = Path(name)
    try:
        write(partial)
        os.chmod(partial, 0o666 & ~_UMASK)  # as a file created in place would be, not mkstemp's 0600
        os.replace(partial, path)
    except OSError as exc:
        raise write_error(exc, path) from None
    finally:
        partial.unlink(missing_ok=True)


def write_atomically(wb, path: str | Path, *sources: str | Path, computed_on_open: bool = False,
                     rows: Mapping[str, str] | None = None) -> None:
    """Save an openpyxl workbook atomically (see replace_atomically); never over one of ``sources``.
    ``computed_on_open``: a workbook without saved results, which every program must compute on opening.
    ``rows``: sheet name → rows as XML (book.cell_xml), added below the rows openpyxl wrote."""
    def write(partial: Path) -> None:
        wb.save(partial)
        if rows:
            package.add_rows(partial, rows)
        package.finish(partial, computed_on_open)  # as every workbook kaohe writes: values cached, one tab selected, no paths

    replace_atomically(path, write, *sources)
