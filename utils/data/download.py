"""Downloading and unpacking datasets: from mirrors, resumable, verified, safe.

Three rules shape this module:

* A file is only ever *in place* when it is complete and its checksum is right.
  Downloads go to ``<name>.part`` and archives are extracted into a hidden
  temporary folder; each is renamed into place (``os.replace``, atomic) only at
  the end. An interrupted run leaves nothing that looks finished.
* A dead host is not the end: every mirror is tried in turn, a partial download
  is resumed with an HTTP Range request, and when everything fails the error
  says exactly which file to fetch by hand, where to put it and how to check it.
* An archive is untrusted input: members that would write outside the target
  folder (absolute paths, ``..``, escaping links) or create device files are
  refused before anything is written for them.

Only the standard library and tqdm (for the progress bar) are used, and nothing
here imports MXNet, so the data can be prepared before the framework is loaded.
"""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import shutil
import socket
import stat
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from ..errors import GanBookError

TIMEOUT_S = 30          # per socket operation: a stalled mirror fails instead of hanging
DEADLINE_S = 3600       # a whole download (one mirror, all its attempts) may take this long
MIN_RATE = 10_000       # bytes/s: slower than this, measured over RATE_WINDOW_S, gives up
RATE_WINDOW_S = 30
CHUNK = 1 << 20         # bytes read per call: small enough for a smooth progress bar
ATTEMPTS_PER_MIRROR = 3  # interrupted transfers are resumed this many times per mirror
USER_AGENT = "gan-book-downloader/1.0 (+https://github.com)"


class DownloadError(GanBookError, RuntimeError):
    """No mirror delivered the file; the message says how to place it by hand."""


class ChecksumError(DownloadError):
    """A file's content is not the one expected (names expected vs got)."""


class ArchiveError(GanBookError, ValueError):
    """A file that is not a readable tar archive: truncated, damaged, or something else."""


class UnsafeArchiveError(GanBookError, ValueError):
    """An archive member would escape the target folder or is a device/FIFO."""


# --- Checksums --------------------------------------------------------------------------

def file_digest(path, kind: str) -> str:
    """Hex digest of a file, read in chunks (archives are hundreds of MB)."""
    h = hashlib.new(kind)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _expected(sha256, md5):
    """(kind, hex) of the checksum to verify, or None when none was given."""
    if sha256 and md5:
        raise ValueError("Give sha256 or md5, not both.")
    if sha256:
        return "sha256", sha256.lower()
    if md5:
        return "md5", md5.lower()
    return None


def _matches(path, expected) -> bool:
    return expected is None or file_digest(path, expected[0]) == expected[1]


def _check_or_delete(path, expected, what: str) -> None:
    """Raise ChecksumError (after deleting the file) when its checksum is wrong."""
    if expected is None:
        return
    kind, want = expected
    got = file_digest(path, kind)
    if got != want:
        os.remove(path)
        raise ChecksumError(
            f"{what}: {kind} mismatch (expected {want}, got {got}). The corrupt file "
            f"was deleted; run again to download it anew, or fetch it by hand and "
            f"check its {kind} before placing it.")


# --- One HTTP transfer ------------------------------------------------------------------

class _Interrupted(OSError):
    """The connection ended before the announced number of bytes arrived."""


class _TooSlow(OSError):
    """The transfer went on past the deadline, or slower than the minimum rate."""


class _Pace:
    """Gives up (_TooSlow) past `deadline` seconds, or when fewer than `min_rate`
    bytes/s arrived over the last RATE_WINDOW_S seconds."""

    def __init__(self, deadline: float, min_rate: float):
        self.start = time.monotonic()
        self.deadline, self.min_rate, self.window = deadline, min_rate, RATE_WINDOW_S
        self.mark, self.since_mark = self.start, 0

    def check(self, n_bytes: int) -> None:
        now = time.monotonic()
        if now - self.start > self.deadline:
            raise _TooSlow(f"not finished after the deadline of {self.deadline:g} s")
        self.since_mark += n_bytes
        if now - self.mark >= self.window:
            rate = self.since_mark / (now - self.mark)
            if rate < self.min_rate:
                raise _TooSlow(f"only {rate:,.0f} bytes/s over {now - self.mark:.0f} s "
                               f"(the minimum is {self.min_rate:,.0f})")
            self.mark, self.since_mark = now, 0


def _open(url: str, offset: int, timeout: float):
    """GET url, asking for bytes from offset on when a partial file exists."""
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        req.add_header("Range", f"bytes={offset}-")
    return urllib.request.urlopen(req, timeout=timeout)


def _resume_offset(resp, offset: int, part: Path) -> int:
    """Where the body of resp starts in the file: offset for a honoured Range
    (206 with a matching Content-Range), 0 when the server sent the whole file."""
    if offset and resp.status == 206:
        content_range = resp.headers.get("Content-Range", "")
        if content_range.startswith(f"bytes {offset}-"):
            return offset
        part.unlink()  # a range we did not ask for: the next attempt starts afresh
        raise _Interrupted(f"server answered Range bytes={offset}- with {content_range!r}")
    return 0  # 200: Range ignored (or not asked for): start over


def _transfer(url: str, part: Path, timeout: float, progress: bool, label: str,
              pace: _Pace) -> int | None:
    """Download url into part, appending to what part already holds when the
    server supports Range. Returns the length the server announced (None when it
    sent no Content-Length). Raises _Interrupted when the body ends early and
    _TooSlow when `pace` gives up."""
    from tqdm.auto import tqdm

    offset = part.stat().st_size if part.exists() else 0
    try:
        resp = _open(url, offset, timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and offset:  # nothing after offset: .part may already be whole
            e.close()
            return offset
        raise
    with resp:
        start = _resume_offset(resp, offset, part)
        length = resp.headers.get("Content-Length")
        total = start + int(length) if length is not None else None
        with open(part, "r+b" if start else "wb") as f, tqdm(
                total=total, initial=start, unit="B", unit_scale=True, unit_divisor=1024,
                desc=label, disable=not progress, leave=False) as bar:
            f.seek(start)
            f.truncate()
            done = start
            # read1: whatever has arrived (up to CHUNK), so a server that trickles
            # bytes cannot keep one read waiting forever.
            while block := resp.read1(CHUNK):
                f.write(block)
                done += len(block)
                bar.update(len(block))
                pace.check(len(block))
    if total is not None and done < total:
        raise _Interrupted(f"connection closed after {done:,} of {total:,} bytes")
    return total


def _transfer_with_retries(url, part, timeout, progress, label, pace) -> int | None:
    """_transfer, resumed up to ATTEMPTS_PER_MIRROR times when the connection breaks."""
    for attempt in range(1, ATTEMPTS_PER_MIRROR + 1):
        try:
            return _transfer(url, part, timeout, progress, label, pace)
        except (_Interrupted, http.client.IncompleteRead, ConnectionResetError,
                socket.timeout, TimeoutError):
            if attempt == ATTEMPTS_PER_MIRROR:
                raise


class _Unverifiable(OSError):
    """No checksum and no Content-Length: a complete file cannot be told from a cut one."""


def _from_mirror(url, part, expected, timeout, progress, label, pace) -> None:
    """Fetch url into part and verify it. A wrong file is deleted; when it was a
    resumed .part (perhaps begun from another version of the file), it is fetched
    once more from scratch before ChecksumError is raised. Without a checksum the
    file counts as complete only when its length matched the announced one."""
    resumed = part.exists() and part.stat().st_size > 0
    total = _transfer_with_retries(url, part, timeout, progress, label, pace)
    if expected is None and total is None:
        part.unlink(missing_ok=True)
        raise _Unverifiable("the server sent no Content-Length and no checksum was given, so "
                            "a complete file cannot be told from a cut one; pass sha256=...")
    try:
        _check_or_delete(part, expected, f"{label} from {url}")
    except ChecksumError:
        if not resumed:
            raise
        _transfer_with_retries(url, part, timeout, progress, label, pace)
        _check_or_delete(part, expected, f"{label} from {url}")


# --- Public: fetch ----------------------------------------------------------------------

def fetch(url_list, dest_path, sha256=None, md5=None, progress=True,
          timeout: float = TIMEOUT_S, deadline: float = DEADLINE_S,
          min_rate: float = MIN_RATE) -> Path:
    """Download the first mirror in url_list that works to dest_path; return dest_path.

    A complete dest_path with the right checksum is reused without any network
    access. A leftover ``dest_path.part`` is resumed with a Range request
    (restarted when the server ignores Range). The checksum is verified before
    the file is renamed into place, so dest_path is never a corrupt file.
    404, 500, refused connections and timeouts move on to the next mirror. Each
    mirror gets `deadline` seconds in all and must deliver at least `min_rate`
    bytes/s (over RATE_WINDOW_S). Without a checksum, a file is kept only when the
    server announced its length and all of it arrived.
    """
    dest = Path(dest_path)
    expected = _expected(sha256, md5)
    if dest.exists():
        if _matches(dest, expected):
            return dest
        os.remove(dest)  # a stale or damaged copy: download it again
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    failures, checksum_error = [], None
    for url in url_list:
        try:
            _from_mirror(url, part, expected, timeout, progress, dest.name,
                         _Pace(deadline, min_rate))
        except ChecksumError as e:
            checksum_error = e
            failures.append(f"{url}: {e}")
            continue
        except (OSError, http.client.HTTPException, ValueError) as e:  # URLError is an OSError
            failures.append(f"{url}: {_reason(e)}")
            continue
        os.replace(part, dest)
        return dest
    if checksum_error is not None:
        raise checksum_error
    raise DownloadError(_failed_message(dest, url_list, failures, expected, part.exists()))


def _reason(e: BaseException) -> str:
    """What went wrong with one mirror, in words: 'HTTP 404 Not Found (the file is
    not at this address)', 'timed out after 30 s', 'Connection refused'."""
    if isinstance(e, urllib.error.HTTPError):
        why = ("the file is not at this address" if e.code in (404, 410) else
               "the server failed; it may work later" if e.code >= 500 else
               "the server refused the request")
        return f"HTTP {e.code} {e.reason} ({why})"
    if isinstance(e, urllib.error.URLError):
        if not isinstance(e.reason, BaseException):
            return str(e.reason)
        e = e.reason
    if isinstance(e, (socket.timeout, TimeoutError)):
        return f"timed out (no data for {TIMEOUT_S} s)"
    if isinstance(e, (_TooSlow, _Interrupted, _Unverifiable)):
        return str(e)
    if isinstance(e, ConnectionRefusedError):
        return "connection refused (nothing listens at that address)"
    return f"{type(e).__name__}: {e}"


def _failed_message(dest: Path, url_list, failures, expected, partial: bool) -> str:
    tried = "\n".join(f"  - {f}" for f in failures) or "  (no mirror is known for it)"
    check = (f"Its {expected[0]} must be {expected[1]} (check with `{expected[0]}sum "
             f"{dest.name}`).") if expected else ""
    where = "\n".join(f"  {u}" for u in url_list)
    kept = (f" The partial download is kept as {dest.name}.part and resumed next time."
            if partial else "")
    return (f"Could not download {dest.name}; no mirror delivered it:\n{tried}\n"
            f"Run again later, or place the file by hand: download {dest.name}"
            + (f" (e.g. from\n{where}\n on another machine)" if url_list else " elsewhere")
            + f" and save it as\n  {dest}\n{check}{kept}")


# --- Public: safe_extract ---------------------------------------------------------------

def _inside(root: str, path: str) -> bool:
    """Whether path (already made absolute) is root or lies below it."""
    return os.path.commonpath([root, path]) == root


def _check_name(member: tarfile.TarInfo) -> str:
    """The member's relative path, refusing absolute names and '..' components."""
    name = member.name.replace("\\", "/")
    if name.startswith("/") or os.path.isabs(name) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"Archive member {member.name!r} has an absolute path; refused.")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"Archive member {member.name!r} contains '..'; refused.")
    return "/".join(parts)


def _check_type(member: tarfile.TarInfo) -> None:
    if member.ischr() or member.isblk() or member.isfifo() or not (
            member.isreg() or member.isdir() or member.issym() or member.islnk()):
        raise UnsafeArchiveError(
            f"Archive member {member.name!r} is a device, FIFO or special file; refused.")


def _real_dest(root: str, rel: str, member) -> str:
    """The absolute path rel will be written to, following links already extracted;
    refused when that is outside root (e.g. through an earlier symlink)."""
    dest = os.path.join(root, rel)
    real = os.path.join(os.path.realpath(os.path.dirname(dest)), os.path.basename(dest))
    if not _inside(root, real):
        raise UnsafeArchiveError(
            f"Archive member {member.name!r} would be written outside the target "
            f"(through a link to {real}); refused.")
    return real


def _link_target(root: str, real_dest: str, member: tarfile.TarInfo) -> str:
    """Where a symlink or hardlink member points, refused when outside root."""
    link = member.linkname.replace("\\", "/")
    if os.path.isabs(link):
        raise UnsafeArchiveError(
            f"Archive member {member.name!r} links to the absolute path {link!r}; refused.")
    base = os.path.dirname(real_dest) if member.issym() else root  # hardlinks: from the top
    target = os.path.realpath(os.path.join(base, link))
    if not _inside(root, target):
        raise UnsafeArchiveError(
            f"Archive member {member.name!r} links to {link!r}, outside the target; refused.")
    return target


def _write_member(tar: tarfile.TarFile, member, root: str, dest: str) -> None:
    """Create one checked member at dest (directories, files and links only)."""
    if os.path.islink(dest) or (os.path.isfile(dest) and not member.isdir()):
        os.remove(dest)  # replaced, as tar does; never written *through* an earlier link
    if member.isdir():
        os.makedirs(dest, exist_ok=True)
        return
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    if member.issym():
        _link_target(root, dest, member)
        os.symlink(member.linkname, dest)
    elif member.islnk():
        target = _link_target(root, dest, member)
        if not os.path.isfile(target):
            raise UnsafeArchiveError(
                f"Archive member {member.name!r} is a hardlink to {member.linkname!r}, "
                "which is not a file extracted before it; refused.")
        os.link(target, dest)
    else:
        with tar.extractfile(member) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        os.chmod(dest, (member.mode & 0o755) | stat.S_IRUSR | stat.S_IWUSR)  # no setuid
        os.utime(dest, (member.mtime, member.mtime))


def _check_links_stay_inside(root: str) -> None:
    """After extraction: every symlink must still resolve inside root (a later
    member could have changed what an earlier, relative link points through)."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) and not _inside(root, os.path.realpath(path)):
                raise UnsafeArchiveError(
                    f"Archive member {os.path.relpath(path, root)!r} ends up linking "
                    f"outside the target ({os.readlink(path)!r}); refused.")


def _remove_stale_partials(target: Path) -> None:
    """Delete hidden temporary folders left by extractions that were killed: their
    names carry the pid of the process that made them; skip ones still running."""
    for tmp in target.parent.glob(f".{target.name}.partial-*"):
        try:
            pid = int(tmp.name.rsplit("-", 2)[-2])
            os.kill(pid, 0)
        except (ValueError, IndexError):
            continue
        except ProcessLookupError:
            shutil.rmtree(tmp, ignore_errors=True)
        except PermissionError:
            continue


def safe_extract(archive_path, target_dir) -> Path:
    """Extract a tar / tar.gz archive into target_dir, safely and atomically.

    Refused, with an UnsafeArchiveError naming the member: absolute paths, '..'
    components, symlinks and hardlinks pointing outside the target, device files
    and FIFOs. Everything is extracted into a hidden temporary folder next to
    target_dir that is renamed into place only once complete; on any error (or a
    kill) target_dir does not appear. target_dir must not exist or be empty.
    """
    target = Path(target_dir).absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} already exists and is not empty; remove it "
                              f"first to extract {archive_path} again.")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(target)
    tmp = tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent)
    root = os.path.realpath(tmp)
    try:
        try:
            with tarfile.open(archive_path, "r:*") as tar:
                for member in tar:  # streamed: a .tgz is decompressed once
                    rel = _check_name(member)
                    _check_type(member)
                    if rel:
                        _write_member(tar, member, root, _real_dest(root, rel, member))
        except (tarfile.ReadError, EOFError, zlib.error, gzip.BadGzipFile) as err:
            what = ("it ends too early (truncated: an interrupted download?)"
                    if isinstance(err, EOFError) or "unexpected end" in str(err).lower()
                    else "it is not a tar archive")
            raise ArchiveError(
                f"{archive_path} cannot be extracted: {what} ({type(err).__name__}: {err}). "
                "Delete it and run again to download it anew, or check it against its "
                "published checksum.") from None
        _check_links_stay_inside(root)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a dataset folder need not be
        if target.exists():
            target.rmdir()  # empty (checked above); os.replace needs it gone or empty
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
