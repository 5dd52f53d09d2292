"""utils.data.download against a real HTTP server on 127.0.0.1 and real archives.

No mocks: a small http.server handler serves archives the tests build, with
switchable failures (status codes, connections cut after N bytes, Range ignored,
stalls). Malicious tar files are built with tarfile and must be refused without
writing anything outside the target or leaving a half-extracted folder.
"""
import hashlib
import io
import os
import re
import socket
import subprocess
import sys
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image

from utils.data import download, lfw
from utils.data.download import ChecksumError, DownloadError, UnsafeArchiveError, fetch, safe_extract
from utils.data.lfw import Archive, lfw_folder


# --- A real server with switchable failures ---------------------------------------------

class Config:
    def __init__(self):
        self.files = {}          # path -> bytes
        self.status = {}         # path -> HTTP error status to answer with
        self.cut_after = {}      # path -> send only this many body bytes, then close
        self.stall = set()       # paths whose body never comes (client must time out)
        self.drip = set()        # paths whose body comes one byte every 0.05 s
        self.no_length = set()   # paths sent without Content-Length (end = connection close)
        self.honour_range = True
        self.requests = []       # (path, Range header or None)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        cfg = self.server.cfg
        rng = self.headers.get("Range")
        cfg.requests.append((self.path, rng))
        if self.path in cfg.status:
            self.send_error(cfg.status[self.path])
            return
        if self.path not in cfg.files:
            self.send_error(404)
            return
        data = cfg.files[self.path]
        start = 0
        if rng and cfg.honour_range:
            start = int(re.fullmatch(r"bytes=(\d+)-", rng)[1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        if self.path in cfg.no_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path in cfg.stall:
            time.sleep(1.0)
            return
        if self.path in cfg.drip:
            for i in range(min(len(body), 100)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body[:cfg.cut_after.get(self.path, len(body))])

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.cfg = Config()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    httpd.url = lambda path: f"http://127.0.0.1:{httpd.server_address[1]}{path}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def closed_port_url(path="/lfw.tgz"):
    """A URL nobody listens on: bind a port, then close it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


# --- Archives -----------------------------------------------------------------------------

def jpeg_bytes(seed):
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)  # noise: a few KB each
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=95)
    return buf.getvalue()


PEOPLE = {"Ada_Lovelace": 2, "Alan_Turing": 3, "Grace_Hopper": 1}


@pytest.fixture(scope="module")
def lfw_tgz():
    """An LFW-shaped lfw.tgz: lfw/<Person>/<Person>_000N.jpg."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        top = tarfile.TarInfo("lfw")
        top.type, top.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(top)
        for k, (person, n) in enumerate(PEOPLE.items()):
            for i in range(1, n + 1):
                data = jpeg_bytes(10 * k + i)
                info = tarfile.TarInfo(f"lfw/{person}/{person}_{i:04d}.jpg")
                info.size, info.mode, info.mtime = len(data), 0o644, 1_000_000_000
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def evil_tar(path, members):
    """Write a .tgz of TarInfo-like dicts: name, and type/linkname/data."""
    with tarfile.open(path, "w:gz") as tar:
        for m in members:
            info = tarfile.TarInfo(m["name"])
            info.type = m.get("type", tarfile.REGTYPE)
            info.linkname = m.get("linkname", "")
            data = m.get("data", b"")
            info.size = len(data) if info.type == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(data) if info.size else None)
    return path


# --- fetch --------------------------------------------------------------------------------

def test_good_download_verifies_and_renames(server, lfw_tgz, tmp_path):
    server.cfg.files["/lfw.tgz"] = lfw_tgz
    dest = fetch([server.url("/lfw.tgz")], tmp_path / "lfw.tgz", sha256=sha256(lfw_tgz),
                 progress=True)
    assert dest.read_bytes() == lfw_tgz
    assert not (tmp_path / "lfw.tgz.part").exists()


def test_md5_is_accepted_too(server, lfw_tgz, tmp_path):
    server.cfg.files["/lfw.tgz"] = lfw_tgz
    dest = fetch([server.url("/lfw.tgz")], tmp_path / "lfw.tgz",
                 md5=hashlib.md5(lfw_tgz).hexdigest(), progress=False)
    assert dest.read_bytes() == lfw_tgz


def test_checksum_mismatch_deletes_and_names_both(server, lfw_tgz, tmp_path):
    server.cfg.files["/lfw.tgz"] = lfw_tgz
    wrong = "0" * 64
    with pytest.raises(ChecksumError) as err:
        fetch([server.url("/lfw.tgz")], tmp_path / "lfw.tgz", sha256=wrong, progress=False)
    assert f"expected {wrong}, got {sha256(lfw_tgz)}" in str(err.value)
    assert not (tmp_path / "lfw.tgz").exists() and not (tmp_path / "lfw.tgz.part").exists()


def test_cut_connections_are_resumed_with_range(server, lfw_tgz, tmp_path):
    third = len(lfw_tgz) // 3 + 1
    server.cfg.files["/lfw.tgz"] = lfw_tgz
    server.cfg.cut_after["/lfw.tgz"] = third  # every response stops after a third
    dest = fetch([server.url("/lfw.tgz")], tmp_path / "lfw.tgz", sha256=sha256(lfw_tgz),
                 progress=False)
    assert dest.read_bytes() == lfw_tgz
    assert [r for _, r in server.cfg.requests] == [None, f"bytes={third}-", f"bytes={2 * third}-"]


def test_partial_download_survives_and_resumes_next_time(server, lfw_tgz, tmp_path):
    cut = len(lfw_tgz) // 10
    server.cfg.files["/lfw.tgz"] = lfw_tgz
    server.cfg.cut_after["/lfw.tgz"] = cut
    url = server.url("/lfw.tgz")
    with pytest.raises(DownloadError, match="closed after"):
        fetch([url], tmp_path / "lfw.tgz", sha256=sha256(lfw_tgz), progress=False)
    part = tmp_path / "lfw.tgz.part"
    assert part.read_bytes() == lfw_tgz[:3 * cut]  # three attempts, each resumed
    server.cfg.cut_after.clear()
    server.cfg.requests.clear()
    fetch([url], tmp_path / "lfw.tgz", sha256=sha256(lfw_tgz), progress=False)
    assert server.cfg.requests == [("/lfw.tgz", f"bytes={3 * cut}-")]
    assert (tmp_path / "lfw.tgz").read_bytes() == lfw_tgz and not part.exists()


def test_server_ignoring_range_restarts_from_zero(server, lfw_tgz, tmp_path):
    server.cfg.files["/lfw.tgz"] = lfw_tgz
    server.cfg.honour_range = False
    (tmp_path / "lfw.tgz.part").write_bytes(lfw_tgz[:1000])
    dest = fetch([server.url("/lfw.tgz")], tmp_path / "lfw.tgz", sha256=sha256(lfw_tgz),
                 progress=False)
    assert server.cfg.requests == [("/lfw.tgz", "bytes=1000-")]  # asked, got a 200
    assert dest.read_bytes() == lfw_tgz


def test_stale_part_from_another_file_is_refetched(server, lfw_tgz, tmp_path):
    server.cfg.files["/lfw.tgz"] = lfw_tgz
    (tmp_path / "lfw.tgz.part").write_bytes(b"x" * 1000)  # not a prefix of the file
    dest = fetch([server.url("/lfw.tgz")], tmp_path / "lfw.tgz", sha256=sha256(lfw_tgz),
                 progress=False)
    assert dest.read_bytes() == lfw_tgz
    assert [r for _, r in server.cfg.requests] == ["bytes=1000-", None]


def test_complete_part_is_accepted_on_416(server, lfw_tgz, tmp_path):
    server.cfg.files["/lfw.tgz"] = lfw_tgz
    (tmp_path / "lfw.tgz.part").write_bytes(lfw_tgz)  # killed after the download, before rename
    dest = fetch([server.url("/lfw.tgz")], tmp_path / "lfw.tgz", sha256=sha256(lfw_tgz),
                 progress=False)
    assert dest.read_bytes() == lfw_tgz and len(server.cfg.requests) == 1


def test_404_and_500_fall_back_to_the_next_mirror(server, lfw_tgz, tmp_path):
    server.cfg.files["/good/lfw.tgz"] = lfw_tgz
    server.cfg.status["/broken/lfw.tgz"] = 500
    urls = [server.url("/missing/lfw.tgz"), closed_port_url(), server.url("/broken/lfw.tgz"),
            server.url("/good/lfw.tgz")]
    dest = fetch(urls, tmp_path / "lfw.tgz", sha256=sha256(lfw_tgz), progress=False)
    assert dest.read_bytes() == lfw_tgz
    assert [p for p, _ in server.cfg.requests] == ["/missing/lfw.tgz", "/broken/lfw.tgz",
                                                   "/good/lfw.tgz"]


def test_stalled_mirror_times_out_and_the_next_is_used(server, lfw_tgz, tmp_path):
    server.cfg.files["/slow.tgz"] = server.cfg.files["/lfw.tgz"] = lfw_tgz
    server.cfg.stall.add("/slow.tgz")
    t = time.perf_counter()
    dest = fetch([server.url("/slow.tgz"), server.url("/lfw.tgz")], tmp_path / "lfw.tgz",
                 sha256=sha256(lfw_tgz), progress=False, timeout=0.2)
    assert dest.read_bytes() == lfw_tgz
    assert time.perf_counter() - t < 5


def test_unreachable_hosts_say_how_to_place_the_file(tmp_path):
    digest = "ab" * 32
    with pytest.raises(DownloadError) as err:
        fetch([closed_port_url(), closed_port_url()], tmp_path / "cache" / "lfw.tgz",
              sha256=digest, progress=False)
    msg = str(err.value)
    assert "unreachable" in msg and "refused" in msg
    assert "lfw.tgz" in msg and str(tmp_path / "cache") in msg and digest in msg


def test_cached_file_is_not_fetched_again(server, lfw_tgz, tmp_path):
    server.cfg.files["/lfw.tgz"] = lfw_tgz
    args = ([server.url("/lfw.tgz")], tmp_path / "lfw.tgz")
    fetch(*args, sha256=sha256(lfw_tgz), progress=False)
    fetch(*args, sha256=sha256(lfw_tgz), progress=False)
    assert len(server.cfg.requests) == 1
    (tmp_path / "lfw.tgz").write_bytes(b"damaged")  # a wrong cached copy is replaced
    fetch(*args, sha256=sha256(lfw_tgz), progress=False)
    assert len(server.cfg.requests) == 2 and (tmp_path / "lfw.tgz").read_bytes() == lfw_tgz


# --- safe_extract -------------------------------------------------------------------------

def test_extracts_an_lfw_shaped_archive(lfw_tgz, tmp_path):
    archive = tmp_path / "lfw.tgz"
    archive.write_bytes(lfw_tgz)
    target = safe_extract(archive, tmp_path / "out")
    people = sorted(p.name for p in (target / "lfw").iterdir())
    assert people == sorted(PEOPLE)
    assert len(list(target.rglob("*.jpg"))) == sum(PEOPLE.values())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lfw.tgz", "out"]  # no temp left
    with pytest.raises(FileExistsError, match="not empty"):
        safe_extract(archive, target)


def test_links_inside_the_archive_are_kept(tmp_path):
    archive = evil_tar(tmp_path / "ok.tgz", [
        {"name": "d/a.txt", "data": b"hello"},
        {"name": "d/alias.txt", "type": tarfile.SYMTYPE, "linkname": "a.txt"},
        {"name": "d/hard.txt", "type": tarfile.LNKTYPE, "linkname": "d/a.txt"},
    ])
    target = safe_extract(archive, tmp_path / "out")
    assert (target / "d/alias.txt").read_bytes() == b"hello"
    assert (target / "d/hard.txt").read_bytes() == b"hello"


ATTACKS = {
    "absolute path": lambda out: [{"name": "lfw/ok.txt", "data": b"ok"},
                                  {"name": str(out / "evil.txt"), "data": b"pwned"}],
    "dot-dot": lambda out: [{"name": "lfw/ok.txt", "data": b"ok"},
                            {"name": "lfw/../../outside/evil.txt", "data": b"pwned"}],
    "symlink escaping": lambda out: [
        {"name": "lfw/ok.txt", "data": b"ok"},
        {"name": "lfw/link", "type": tarfile.SYMTYPE, "linkname": "../../outside"},
        {"name": "lfw/link/evil.txt", "data": b"pwned"}],
    "absolute symlink": lambda out: [
        {"name": "lfw/link", "type": tarfile.SYMTYPE, "linkname": str(out)},
        {"name": "lfw/link/evil.txt", "data": b"pwned"}],
    "symlink made to escape by a later link": lambda out: [
        {"name": "lfw/x", "type": tarfile.DIRTYPE},
        {"name": "lfw/b", "type": tarfile.SYMTYPE, "linkname": "x/c/.."},
        {"name": "lfw/x/c", "type": tarfile.SYMTYPE, "linkname": "../.."}],
    "hardlink escaping": lambda out: [
        {"name": "lfw/hard", "type": tarfile.LNKTYPE, "linkname": "../../outside/secret.txt"}],
    "hardlink to an absolute path": lambda out: [
        {"name": "lfw/hard", "type": tarfile.LNKTYPE, "linkname": str(out / "secret.txt")}],
    "character device": lambda out: [{"name": "lfw/tty", "type": tarfile.CHRTYPE}],
    "block device": lambda out: [{"name": "lfw/sda", "type": tarfile.BLKTYPE}],
    "FIFO": lambda out: [{"name": "lfw/pipe", "type": tarfile.FIFOTYPE}],
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_malicious_archives_are_refused_leaving_nothing(attack, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    work = tmp_path / "work"
    work.mkdir()
    archive = evil_tar(tmp_path / "evil.tgz", ATTACKS[attack](outside))
    with pytest.raises(UnsafeArchiveError, match="Archive member '.*'.*refused"):
        safe_extract(archive, work / "data")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"secret"
    assert list(work.iterdir()) == []  # neither the target nor a half-extracted temp folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.tgz", "outside", "work"]


def test_extraction_leftovers_of_dead_processes_are_removed(lfw_tgz, tmp_path):
    archive = tmp_path / "lfw.tgz"
    archive.write_bytes(lfw_tgz)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    leftover = tmp_path / f".out.partial-{dead}-abc123"
    (leftover / "lfw").mkdir(parents=True)
    alive = tmp_path / f".out.partial-{os.getpid()}-xyz789"  # ours, "still running"
    alive.mkdir()
    safe_extract(archive, tmp_path / "out")
    assert not leftover.exists() and alive.exists()


# --- lfw_folder ---------------------------------------------------------------------------

def test_lfw_folder_downloads_extracts_and_reuses(server, lfw_tgz, tmp_path, monkeypatch):
    server.cfg.files["/lfw.tgz"] = lfw_tgz
    monkeypatch.setitem(lfw.LFW_VARIANTS, "lfw", Archive(
        "lfw.tgz", (closed_port_url(), server.url("/lfw.tgz")), "sha256", sha256(lfw_tgz)))
    monkeypatch.setenv("GANBOOK_CACHE", str(tmp_path / "cache"))
    folder = lfw_folder()
    assert folder == tmp_path / "cache" / "datasets" / "lfw" / "lfw"
    assert sorted(p.name for p in folder.iterdir()) == sorted(PEOPLE)
    assert lfw_folder() == folder and len(server.cfg.requests) == 1


def test_lfw_archive_placed_by_hand_needs_no_network(lfw_tgz, tmp_path, monkeypatch):
    monkeypatch.setitem(lfw.LFW_VARIANTS, "lfw", Archive(
        "lfw.tgz", (closed_port_url(),), "sha256", sha256(lfw_tgz)))
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "lfw.tgz").write_bytes(lfw_tgz)
    folder = lfw_folder("lfw", cache_dir=tmp_path)
    assert len(list(folder.rglob("*.jpg"))) == sum(PEOPLE.values())


def test_deepfunneled_only_from_a_local_file(lfw_tgz, tmp_path, monkeypatch):
    real = lfw.LFW_VARIANTS["lfw-deepfunneled"]
    assert real.urls == () and real.checksum_kind == "md5"
    with pytest.raises(FileNotFoundError) as err:
        lfw_folder("lfw-deepfunneled", cache_dir=tmp_path)
    msg = str(err.value)
    assert str(tmp_path / "downloads" / "lfw-deepfunneled.tgz") in msg
    assert real.checksum in msg and "local_archive" in msg

    mine = tmp_path / "elsewhere" / "lfw-deepfunneled.tgz"
    mine.parent.mkdir()
    mine.write_bytes(lfw_tgz)
    with pytest.raises(ChecksumError, match=f"expected {real.checksum}"):
        lfw_folder("lfw-deepfunneled", cache_dir=tmp_path, local_archive=mine)
    assert mine.exists()  # the user's file is never deleted
    monkeypatch.setitem(lfw.LFW_VARIANTS, "lfw-deepfunneled", Archive(
        "lfw-deepfunneled.tgz", (), "md5", hashlib.md5(lfw_tgz).hexdigest()))
    folder = lfw_folder("lfw-deepfunneled", cache_dir=tmp_path, local_archive=mine)
    assert folder == tmp_path / "datasets" / "lfw-deepfunneled" / "lfw"


def test_unknown_variant_names_the_choices(tmp_path):
    with pytest.raises(ValueError, match="Use one of: lfw, lfw-funneled, lfw-deepfunneled"):
        lfw_folder("lfw-colour", cache_dir=tmp_path)


def test_registry_has_the_known_checksums():
    v = lfw.LFW_VARIANTS
    assert v["lfw"].urls == ("https://ndownloader.figshare.com/files/5976018",)
    assert v["lfw"].checksum == "055f7d9c632d7370e6fb4afc7468d40f970c34a80d4c6f50ffec63f5a8d536c0"
    assert v["lfw-funneled"].urls == ("https://ndownloader.figshare.com/files/5976015",)
    assert v["lfw-funneled"].checksum == \
        "b47c8422c8cded889dc5a13418c4bc2abbda121092b3533a83306f90d900100a"


# --- What the messages say ---------------------------------------------------------------

def _fail(server, tmp_path, **kw):
    with pytest.raises(DownloadError) as caught:
        fetch([server.url("/f.bin")], tmp_path / "f.bin", progress=False, **kw)
    assert not (tmp_path / "f.bin").exists()
    return str(caught.value)


def test_http_404_is_reported_as_a_missing_file_not_an_unreachable_host(server, tmp_path):
    message = _fail(server, tmp_path, sha256="0" * 64)
    assert "HTTP 404 Not Found (the file is not at this address)" in message
    assert "unreachable" not in message and ".part" not in message
    assert "save it as" in message and str(tmp_path / "f.bin") in message


def test_http_500_says_the_server_failed(server, tmp_path):
    server.cfg.status["/f.bin"] = 500
    message = _fail(server, tmp_path, sha256="0" * 64)
    assert "HTTP 500" in message and "the server failed; it may work later" in message


def test_a_timeout_is_named_with_its_length(server, tmp_path):
    server.cfg.files["/f.bin"] = b"x" * 100
    server.cfg.stall.add("/f.bin")
    message = _fail(server, tmp_path, timeout=0.2)
    assert "timed out" in message


def test_a_trickling_server_is_given_up_on(server, tmp_path, monkeypatch):
    monkeypatch.setattr(download, "RATE_WINDOW_S", 1.0)
    server.cfg.files["/f.bin"] = b"x" * 1000
    server.cfg.drip.add("/f.bin")
    started = time.monotonic()
    message = _fail(server, tmp_path, min_rate=1000, deadline=60)
    assert "bytes/s" in message and "the minimum is 1,000" in message
    assert time.monotonic() - started < 20


def test_the_overall_deadline_holds(server, tmp_path, monkeypatch):
    server.cfg.files["/f.bin"] = b"x" * 1000
    server.cfg.drip.add("/f.bin")
    message = _fail(server, tmp_path, min_rate=0, deadline=0.3)
    assert "deadline of 0.3 s" in message


def test_without_checksum_a_file_needs_its_announced_length(server, tmp_path):
    server.cfg.files["/f.bin"] = b"y" * 1000
    server.cfg.no_length.add("/f.bin")
    message = _fail(server, tmp_path)
    assert "no Content-Length and no checksum" in message and "sha256=" in message
    server.cfg.no_length.clear()
    got = fetch([server.url("/f.bin")], tmp_path / "f.bin", progress=False)
    assert got.read_bytes() == b"y" * 1000


def test_a_checksum_mismatch_names_both_digests(server, tmp_path):
    server.cfg.files["/f.bin"] = b"z" * 10
    with pytest.raises(ChecksumError) as caught:
        fetch([server.url("/f.bin")], tmp_path / "f.bin", sha256="0" * 64, progress=False)
    assert "sha256 mismatch (expected " + "0" * 64 in str(caught.value)
    assert hashlib.sha256(b"z" * 10).hexdigest() in str(caught.value)
    assert not (tmp_path / "f.bin").exists()


def test_a_truncated_archive_says_so_and_leaves_nothing(tmp_path):
    whole = io.BytesIO()
    with tarfile.open(fileobj=whole, mode="w:gz") as tar:
        for i in range(20):
            data = np.random.default_rng(i).bytes(20_000)
            info = tarfile.TarInfo(f"lfw/p{i}.jpg")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    cut = tmp_path / "lfw.tgz"
    cut.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    with pytest.raises(download.ArchiveError, match=r"lfw.tgz cannot be extracted: it ends too early"):
        safe_extract(cut, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.partial-*"))


def test_a_file_that_is_not_an_archive_says_so(tmp_path):
    page = tmp_path / "lfw.tgz"
    page.write_text("<html>Not found</html>")
    with pytest.raises(download.ArchiveError, match="it is not a tar archive"):
        safe_extract(page, tmp_path / "out")
    assert not (tmp_path / "out").exists()
