"""Browser test of the built HTML book.

What it checks, on a fresh build of the book:

a. every page in ``_toc.yml`` (front matter and chapters, English and 中文) is built and
   loads in headless Chromium without an HTTP error; every local ``href``/``src`` on it
   points to a file that exists (and, for links to another page with ``#fragment``, to
   an id that exists there); every ``<img>`` is an image that decodes and isn't blank;
b. the 中文 pages hold Chinese prose, a CJK font is installed, CJK text renders as
   glyphs and not as identical "tofu" boxes, and a screenshot of the 中文 DCGAN page
   isn't blank;
c. the static slider of chapter 01 (utils/display/widgets.py, ``FrameSlider.html``) changes the
   picture when moved (its script shows frame 0 for ``#slider-first``);
d. the slider works offline: it references no http(s) URL, and every browser run here
   resolves no host name at all (``--host-resolver-rules="MAP * ~NOTFOUND"``);
e. screenshots of the landing page and of the DCGAN chapter (en, zh) are saved to
   ``artifacts/screenshots/`` (git-ignored) for a person to look at.

The book is built by the test itself, with the same command as ``make html``, into a
temporary folder: ``.ci/run`` runs ``make test`` *before* ``make html``, so ``_build``
may be missing or stale, and building elsewhere never races with (or clobbers) a
``make html`` running in the working tree. The build takes about a minute.
To check an existing build instead (quicker while editing this file), set
``GANBOOK_BOOK_HTML=_build/html``; the warning check then reports itself skipped.
``GANBOOK_CHROMIUM`` names another Chromium/Chrome binary.

Every test here is marked ``browser``: without Chromium and a CJK font it is skipped
with the command that installs them (``make browser-deps``), and under CI=true it
fails instead (tests/conftest.py).
"""
from __future__ import annotations

import base64
import binascii
import functools
import html as html_lib
import http.server
import io
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import typing
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
import yaml
from bs4 import BeautifulSoup
from PIL import Image, ImageChops

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
HTML_ENV = "GANBOOK_BOOK_HTML"
INSTALL = ("run make browser-deps  (or: apt-get update && "
           "apt-get install -y chromium fonts-wqy-microhei)")
WINDOW = (1280, 1600)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")

pytestmark = pytest.mark.browser


# -- the pages ------------------------------------------------------------------------
def _toc_pages() -> list[str]:
    """Every page of _toc.yml as a path relative to the HTML root ("book/index.html")."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [re.sub(r"\.(md|ipynb)$", "", f) + ".html" for f in files]


PAGES = _toc_pages()
ZH_PAGES = [p for p in PAGES if "/zh/" in p]
# The chapters with sliders: 01 (the game), 02 (the epochs) and 03 (the latent space).
SLIDER_PAGES = [p for p in PAGES if p.startswith("chapters/") and p.split("/")[-1][:3] in ("01_", "02_", "03_")]
CHAPTER_PAGES = [p for p in PAGES if p.startswith("chapters/")]
MATH_PAGES = ["chapters/en/01_gan_intro.html", "chapters/zh/01_gan_intro.html"]
SHOTS = {"book/index.html": "book_index.png",
         "chapters/en/02_dcgan.html": "en_02_dcgan.png",
         "chapters/zh/02_dcgan.html": "zh_02_dcgan.png"}


def _page_id(page: str) -> str:
    return page.removesuffix(".html")


# -- building the book ----------------------------------------------------------------
class Build:
    def __init__(self, html: pathlib.Path, rc: int | None, log: str, seconds: float):
        self.html, self.rc, self.log, self.seconds = html, rc, log, seconds

    @property
    def warnings(self) -> list[str]:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", self.log)  # no terminal colours
        return [line for line in plain.splitlines()
                if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", line)]


def _jupyter_book() -> list[str]:
    exe = pathlib.Path(sys.executable).with_name("jupyter-book")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("jupyter-book")
    if found:
        return [found]
    pytest.fail("jupyter-book is not installed in this environment: run `make setup`")


@pytest.fixture(scope="session")
def build(tmp_path_factory) -> Build:
    given = os.environ.get(HTML_ENV)
    if given:
        html = pathlib.Path(given)
        html = html if html.is_absolute() else ROOT / html
        return Build(html.resolve(), None, f"(not built: {HTML_ENV}={given})", 0.0)
    out = tmp_path_factory.mktemp("book")
    # The same flags as `make html`; --keep-going writes every page even when a warning
    # makes the exit status 1, so the other checks still run on the result.
    cmd = _jupyter_book() + ["build", str(ROOT), "--path-output", str(out),
                             "-W", "-n", "--keep-going"]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - start
    log = proc.stdout + proc.stderr
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "browser-test-build.log").write_text(log, encoding="utf-8")
    return Build(out / "_build" / "html", proc.returncode, log, seconds)


@pytest.fixture(scope="session")
def html_dir(build) -> pathlib.Path:
    if not (build.html / "book" / "index.html").is_file():
        pytest.fail(f"the book was not built into {build.html} (rc={build.rc});\n"
                    + "\n".join(build.log.splitlines()[-40:]))
    return build.html


@functools.lru_cache(maxsize=None)
def _soup(path: pathlib.Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@functools.lru_cache(maxsize=None)
def _ids(path: pathlib.Path) -> frozenset[str]:
    soup = _soup(path)
    return frozenset([t["id"] for t in soup.find_all(id=True)]
                     + [t["name"] for t in soup.find_all("a", attrs={"name": True})])


def _built(html_dir: pathlib.Path, page: str) -> pathlib.Path:
    path = html_dir / page
    if not path.is_file():
        pytest.fail(f"{page} was not built (see test_every_toc_page_is_built)")
    return path


def _article(soup: BeautifulSoup):
    return soup.select_one("article.bd-article") or soup.find("main") or soup.body


# -- serving it -----------------------------------------------------------------------
PROBE = "/__browser_test__/cjk_probe.html"
PROBE_TEXTS = ("生成对抗网络", "深度卷积人脸")  # same length, no character in common
PROBE_BAND = 200  # px: each text sits 20 px below the top of its own band


class Server:
    """http.server on 127.0.0.1 in a thread; records every response's status."""

    def __init__(self, root: pathlib.Path, probe_css: list[str]):
        self.requests: list[tuple[str, int]] = []
        lock = threading.Lock()
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self):
                if urllib.parse.urlsplit(self.path).path == PROBE:
                    body = server.probe_page(probe_css).encode("utf-8")
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    super().do_GET()

            def log_request(self, code="-", size="-"):
                try:
                    status = int(getattr(code, "value", code))
                except ValueError:
                    status = 0
                with lock:
                    server.requests.append((self.path, status))

            def log_message(self, format, *args):  # quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def probe_page(css: list[str]) -> str:
        links = "".join(f'<link rel="stylesheet" href="{h}">' for h in css)
        style = ("position:absolute;left:20px;font-size:64px;line-height:1.2;"
                 "color:#000;background:#fff;white-space:nowrap")
        divs = "".join(f'<div style="{style};top:{i * PROBE_BAND + 20}px">{t}</div>'
                       for i, t in enumerate(PROBE_TEXTS))
        return (f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">{links}'
                f'</head><body style="background:#fff">{divs}</body></html>')

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def server(html_dir):
    # The probe page uses the book's own style sheets, so it renders in the book's fonts.
    page = html_dir / "chapters/zh/02_dcgan.html"
    css = []
    if page.is_file():
        for link in _soup(page).find_all("link", rel="stylesheet"):
            href = urllib.parse.urljoin("/chapters/zh/02_dcgan.html", link.get("href", ""))
            css.append(href)
    srv = Server(html_dir, css)
    yield srv
    srv.close()


# -- the browser ----------------------------------------------------------------------
def _find_chromium() -> str:
    for name in (os.environ.get("GANBOOK_CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome", "google-chrome-stable"):
        if name and shutil.which(name):
            return shutil.which(name)
    pytest.fail("headless Chromium is needed for the browser test and was not found: "
                + INSTALL)


class Load(typing.NamedTuple):
    dom: str                         # the DOM after scripts ran (--dump-dom)
    http_errors: list[tuple[str, int]]
    js_errors: list[str]             # uncaught exceptions from the page's scripts


# Chromium logs console messages with --enable-logging=stderr, e.g.
# [..:INFO:CONSOLE:62] "Uncaught SyntaxError: …", source: http://127.0.0.1:…/page.html (62)
CONSOLE_ERROR = re.compile(r'CONSOLE[^\]]*\] "(Uncaught [^"]*)", source: (\S* \(\d+\))')
KNOWN_JS_ERRORS = (
    # Jupyter Book 1.x's theme emits sphinx-thebe's config <script> twice per page; the
    # second `const` fails harmlessly (thebe is off here). Not this book's doing.
    "Identifier 'THEBE_JS_URL' has already been declared",
)


class Browser:
    """Headless Chromium from the command line, one fresh profile per run, offline."""

    def __init__(self, exe: str, server: Server):
        self.exe, self.server = exe, server
        self._loads: dict[str, Load] = {}
        self.runs = 0

    def _run(self, args: list[str], url: str, timeout: int = 60):
        with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
            cmd = ["timeout", "-k", "5", str(timeout), self.exe,
                   "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--no-first-run", "--disable-quic",
                   "--disable-dev-shm-usage", "--hide-scrollbars",
                   "--force-device-scale-factor=1", f"--user-data-dir={profile}",
                   # Offline: resolve no host name (a bare MAP * also blocks 127.0.0.1).
                   "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                   "--enable-logging=stderr", "--v=0",  # console messages on stderr
                   *args, url]
            before = len(self.server.requests)
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 30)
            self.runs += 1
            if proc.returncode in (124, 137):
                pytest.fail(f"Chromium timed out after {timeout} s on {url}")
            errors = [(p, c) for p, c in self.server.requests[before:]
                      if c >= 400 and p != "/favicon.ico"]
            return proc, errors

    def dom(self, page: str, fragment: str = "") -> Load:
        """The DOM after the page's scripts ran, with the errors seen on the way (cached)."""
        url = self.server.base + page + fragment
        if url not in self._loads:
            proc, errors = self._run(["--virtual-time-budget=3000", "--dump-dom"], url)
            assert proc.returncode == 0 and proc.stdout.strip(), (
                f"Chromium --dump-dom failed on {url} (rc={proc.returncode}):\n"
                + proc.stderr[-2000:])
            js = [f"{m.group(1)} ({m.group(2)})" for m in CONSOLE_ERROR.finditer(proc.stderr)
                  if not any(k in m.group(1) for k in KNOWN_JS_ERRORS)]
            self._loads[url] = Load(proc.stdout, errors, js)
        return self._loads[url]

    def screenshot(self, url: str, path: pathlib.Path, size=WINDOW) -> Image.Image:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        proc, _ = self._run(["--virtual-time-budget=3000", f"--screenshot={path}",
                             f"--window-size={size[0]},{size[1]}"], url)
        assert path.is_file(), (f"Chromium wrote no screenshot of {url} "
                                f"(rc={proc.returncode}):\n" + proc.stderr[-2000:])
        with Image.open(path) as im:
            return im.convert("RGB")


@pytest.fixture(scope="session")
def browser(server) -> Browser:
    exe = _find_chromium()
    proc = subprocess.run(["timeout", "30", exe, "--version"], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"{exe} --version failed (rc={proc.returncode}): {proc.stderr[-500:]}\n"
                    + INSTALL)
    return Browser(exe, server)


# -- helpers for images -----------------------------------------------------------------
def _decode_data_uri(uri: str) -> tuple[str, bytes]:
    m = re.match(r"data:([^;,]*)((?:;[^;,]*)*),(.*)\Z", uri, re.S)
    if not m:
        raise AssertionError(f"malformed data: URI {uri[:60]}…")
    mime, params, payload = m.group(1) or "text/plain", m.group(2), m.group(3)
    if ";base64" in params:
        try:
            return mime, base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
        except binascii.Error as err:
            raise AssertionError(f"data:{mime} URI with bad base64: {err}") from None
    return mime, urllib.parse.unquote_to_bytes(payload)


def _check_image(data: bytes, what: str, svg: bool = False) -> None:
    if svg:
        try:
            ET.fromstring(data)
        except ET.ParseError as err:
            raise AssertionError(f"{what}: SVG does not parse: {err}") from None
        return
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            rgba = im.convert("RGBA")
    except Exception as err:  # noqa: BLE001  (any decoder error means a broken image)
        raise AssertionError(f"{what}: not a valid image: {err}") from None
    if not (rgba.width and rgba.height):
        raise AssertionError(f"{what}: empty image")
    if all(lo == hi for lo, hi in rgba.getextrema()):
        raise AssertionError(f"{what}: a blank image of one colour")


def _dark_fraction(im: Image.Image, threshold: int = 128) -> float:
    gray = im.convert("L")
    hist = gray.histogram()
    return sum(hist[:threshold]) / (gray.width * gray.height)


# -- slider helpers ------------------------------------------------------------------------
def _sliders(soup: BeautifulSoup) -> dict[str, object]:
    return {div["id"]: div for div in soup.select("div.frame-slider[id]")}


def _slider_arrays(div) -> tuple[list[str], list[str]]:
    script = div.find("script")
    assert script is not None, f"slider {div['id']} has no inline script"
    text = script.string or ""
    m = re.search(r"var\s+srcs\s*=\s*\[(.*?)\]\s*,\s*caps\s*=\s*\[(.*?)\]\s*;", text, re.S)
    assert m, f"slider {div['id']}: cannot find the frames array in its script"
    srcs = re.findall(r'"(data:image/[^"]*)"', m.group(1))
    caps = [html_lib.unescape(c) for c in re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))]
    return srcs, caps


def _frame_of(src: str, srcs: list[str]) -> int | None:
    return srcs.index(src) if src in srcs else None


# =========================================================================================
# the build
# =========================================================================================
def test_build_has_no_warnings(build):
    if build.rc is None:
        pytest.skip(f"{HTML_ENV} is set: checking an existing build, not building")
    assert build.rc == 0 and not build.warnings, (
        f"`jupyter-book build . -W -n --keep-going` exited {build.rc} after "
        f"{build.seconds:.0f} s with these warnings:\n" + "\n".join(build.warnings)
        + "\n--- end of the log ---\n" + "\n".join(build.log.splitlines()[-15:]))


def test_every_toc_page_is_built(html_dir):
    missing = [p for p in PAGES if not (html_dir / p).is_file()]
    assert not missing, f"pages in _toc.yml that were not built: {missing}"
    assert (html_dir / "index.html").is_file(), "no index.html (redirect) at the root"
    assert set(SLIDER_PAGES) | set(SHOTS) <= set(PAGES), "_toc.yml lacks a page this test needs"


# =========================================================================================
# a. links and images (static HTML, no browser)
# =========================================================================================
LINK_ATTRS = {"a": "href", "link": "href", "area": "href", "img": "src", "script": "src",
              "iframe": "src", "source": "src", "video": "src", "audio": "src",
              "embed": "src"}
SKIP_SCHEMES = {"data", "mailto", "javascript", "tel", "http", "https", "ftp"}


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_local_links_resolve(html_dir, page):
    path = _built(html_dir, page)
    soup = _soup(path)
    broken = []
    for tag in soup.find_all(list(LINK_ATTRS)):
        value = tag.get(LINK_ATTRS[tag.name])
        if not value or value.startswith("#"):
            continue
        parts = urllib.parse.urlsplit(value)
        if parts.scheme.lower() in SKIP_SCHEMES or parts.netloc:
            continue
        rel = urllib.parse.unquote(parts.path)
        if not rel:
            continue
        target = (html_dir / rel.lstrip("/")) if rel.startswith("/") else (path.parent / rel)
        target = target.resolve()
        if target.is_dir():
            target = target / "index.html"
        if html_dir.resolve() not in target.parents:
            broken.append(f"<{tag.name}> {value}: outside the book")
        elif not target.is_file():
            broken.append(f"<{tag.name}> {value}: no such file")
        elif parts.fragment and target.suffix == ".html" and target != path.resolve():
            if urllib.parse.unquote(parts.fragment) not in _ids(target):
                broken.append(f"<{tag.name}> {value}: no id {parts.fragment!r} there")
    assert not broken, f"{page}: broken local links:\n" + "\n".join(sorted(set(broken)))


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_images_decode(html_dir, page):
    path = _built(html_dir, page)
    bad = []
    for img in _soup(path).find_all("img"):
        src = img.get("src", "")
        short = src if len(src) < 80 else src[:60] + "…"
        try:
            if not src:
                raise AssertionError("<img> without src")
            parts = urllib.parse.urlsplit(src)
            if parts.scheme == "data":
                mime, data = _decode_data_uri(src)
                if not mime.startswith("image/"):
                    raise AssertionError(f"data: URI of type {mime}")
                _check_image(data, "data: URI", svg=mime == "image/svg+xml")
            elif parts.scheme or parts.netloc:
                raise AssertionError("an image from another host: the book must work offline")
            else:
                file = (path.parent / urllib.parse.unquote(parts.path)).resolve()
                if not file.is_file():
                    raise AssertionError("no such file")
                _check_image(file.read_bytes(), file.name, svg=file.suffix.lower() == ".svg")
        except AssertionError as err:
            bad.append(f"<img src={short!r}>: {err}")
    assert not bad, f"{page}: broken images:\n" + "\n".join(bad)


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_loads_in_browser(html_dir, browser, page):
    _built(html_dir, page)
    load = browser.dom(page)
    http_errors, js_errors = load.http_errors, load.js_errors
    assert not http_errors, f"{page}: HTTP errors while Chromium loaded it: {http_errors}"
    assert not js_errors, f"{page}: uncaught JavaScript errors:\n" + "\n".join(js_errors)
    loaded = BeautifulSoup(load.dom, "html.parser")
    main = loaded.find("main")
    assert main is not None and len(main.get_text(" ", strip=True)) > 100, (
        f"{page}: Chromium's DOM has no <main> with content")
    h1_static = _soup(_built(html_dir, page)).find("h1")
    h1_loaded = loaded.find("h1")
    assert h1_static is not None and h1_loaded is not None, f"{page}: no <h1> title"
    assert h1_loaded.get_text(strip=True) == h1_static.get_text(strip=True)


# =========================================================================================
# b. Chinese pages
# =========================================================================================
def _prose(soup: BeautifulSoup) -> str:
    """The article's prose: no code, no cell outputs, no math."""
    article = BeautifulSoup(str(_article(soup)), "html.parser")
    for tag in article.select("pre, code, script, style, .cell_output, .math, "
                              "mjx-container, .headerlink, nav"):
        tag.decompose()
    return article.get_text(" ", strip=True)


@pytest.mark.parametrize("page", ZH_PAGES, ids=_page_id)
def test_chinese_pages_are_in_chinese(html_dir, page):
    soup = _soup(_built(html_dir, page))
    title = soup.find("h1").get_text(strip=True)
    assert CJK.search(title), f"{page}: the title {title!r} has no Chinese"
    prose = _prose(soup)
    cjk, latin = len(CJK.findall(prose)), len(LATIN.findall(prose))
    # One Chinese character carries about as much as an English word of ~5 letters;
    # a translated page is mostly Chinese even with English terms and names in it.
    share = cjk / max(1, cjk + latin / 5)
    assert cjk >= 30 and share >= 0.5, (
        f"{page}: {cjk} Chinese characters and {latin} Latin letters in its prose "
        f"(Chinese share {share:.2f}): is the page translated?\n{prose[:300]}")


def test_cjk_font_installed():
    if not shutil.which("fc-list"):
        pytest.fail("fc-list (fontconfig) not found: " + INSTALL)
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True,
                           text=True).stdout.strip()
    assert fonts, "no font with Chinese glyphs is installed (fc-list :lang=zh is empty): " + INSTALL


def test_cjk_renders_as_glyphs_not_tofu(browser, server):
    """Two different Chinese strings must look different: missing glyphs are equal boxes."""
    test_cjk_font_installed()
    shot = SCREENSHOTS / "cjk_probe.png"
    im = browser.screenshot(server.base + PROBE.lstrip("/"), shot,
                            size=(1280, PROBE_BAND * len(PROBE_TEXTS)))
    bands = [im.crop((0, i * PROBE_BAND, im.width, (i + 1) * PROBE_BAND))
             for i in range(len(PROBE_TEXTS))]
    assert ImageChops.difference(bands[0], bands[1]).getbbox() is not None, (
        f"{PROBE_TEXTS[0]!r} and {PROBE_TEXTS[1]!r} render identically, i.e. as empty "
        f"boxes (tofu): Chromium finds no CJK font ({shot}). " + INSTALL)
    for text, band in zip(PROBE_TEXTS, bands):
        # Glyphs at 64 px darken ~3 % of a band; tofu boxes ~0.5 %, nothing 0 %.
        assert _dark_fraction(band) > 0.01, f"{text!r} rendered as (almost) nothing ({shot})"


# =========================================================================================
# c, d. the static slider of chapter 01
# =========================================================================================
@pytest.mark.parametrize("page", SLIDER_PAGES, ids=_page_id)
def test_slider_moves(html_dir, browser, page):
    static = _sliders(_soup(_built(html_dir, page)))
    assert static, (f"{page} has no <div class='frame-slider'>: are chapter 01's outputs "
                    "stored (tools/build_chapters.py), and does _config.yml still rank "
                    "text/html first?")
    default = _sliders(BeautifulSoup(browser.dom(page).dom, "html.parser"))
    first = browser.dom(page, "#slider-first")
    http_errors, js_errors = first.http_errors, first.js_errors
    assert not http_errors, f"{page}#slider-first: HTTP errors: {http_errors}"
    assert not js_errors, f"{page}#slider-first: JavaScript errors: {js_errors}"
    moved = _sliders(BeautifulSoup(first.dom, "html.parser"))
    for uid, div in static.items():
        srcs, caps = _slider_arrays(div)
        assert len(srcs) >= 2, f"{page} slider {uid}: {len(srcs)} frame(s), nothing to move"
        assert len(caps) == len(srcs), f"{page} slider {uid}: {len(srcs)} frames, {len(caps)} captions"
        for i, src in enumerate(srcs):
            _check_image(_decode_data_uri(src)[1], f"{page} slider {uid} frame {i}")
        assert uid in default and uid in moved, f"{page}: slider {uid} missing in Chromium's DOM"
        # Which frame each DOM shows (None: a picture that is not one of the frames).
        shown = _frame_of(default[uid].find("img")["src"], srcs)
        shown_first = _frame_of(moved[uid].find("img")["src"], srcs)
        opening = int(div.find("input")["value"])  # the last frame unless the slider says
        assert shown == opening, f"{page} slider {uid}: shows frame {shown}, not its opening frame {opening}"
        assert shown_first != shown, (
            f"{page} slider {uid}: moving it to frame 0 (#slider-first) did not change "
            f"the picture (still frame {shown})")
        assert shown_first == 0, f"{page} slider {uid}: #slider-first shows frame {shown_first}"
        caption = moved[uid].select_one(".frame-caption").get_text(strip=True)
        assert caption == caps[0].strip(), (
            f"{page} slider {uid}: caption {caption!r} is not frame 0's {caps[0]!r}")


@pytest.mark.parametrize("page", SLIDER_PAGES, ids=_page_id)
def test_slider_needs_no_network(html_dir, page):
    static = _sliders(_soup(_built(html_dir, page)))
    assert static, f"{page} has no <div class='frame-slider'>"
    for uid, div in static.items():
        urls = re.findall(r"https?://[^\s\"'<>]+", str(div))
        assert not urls, f"{page} slider {uid} refers to the network: {urls[:5]}"
        assert all(not s.get("src") for s in div.find_all("script")), (
            f"{page} slider {uid}: its script must be inline")
        img = div.find("img")
        assert img is not None and img["src"].startswith("data:image/"), (
            f"{page} slider {uid}: its picture must be embedded as a data: URI")


# =========================================================================================
# e. screenshots for people (artifacts/screenshots/, git-ignored)
# =========================================================================================
@pytest.mark.parametrize("page", list(SHOTS), ids=_page_id)
def test_screenshot(html_dir, browser, server, page):
    _built(html_dir, page)
    shot = SCREENSHOTS / SHOTS[page]
    im = browser.screenshot(server.base + page, shot)
    assert im.size == WINDOW, f"{shot}: size {im.size}"
    dark = _dark_fraction(im)
    # A page of text has a few percent of dark pixels; a blank page (or one whose
    # glyphs never rendered) has almost none, a broken dark one almost all.
    assert 0.005 < dark < 0.6, f"{shot}: {dark:.1%} dark pixels: is the page blank?"
    if "/zh/" in page:
        test_cjk_font_installed()


# =========================================================================================
# f. launch buttons: Colab and Binder links derived from _config.yml's repository
# =========================================================================================
def _expected_launch_links(page: str) -> dict[str, str]:
    repo = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    owner_name = urllib.parse.urlparse(repo["url"]).path.strip("/")
    notebook = page.removesuffix(".html") + ".ipynb"
    branch = repo.get("branch", "main")
    return {"colab": f"https://colab.research.google.com/github/{owner_name}/blob/{branch}/{notebook}",
            "binder": f"https://mybinder.org/v2/gh/{owner_name}/{branch}?urlpath=tree/{notebook}"}


@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=_page_id)
def test_launch_buttons_point_at_this_chapter(html_dir, page):
    hrefs = {a.get("href") for a in _soup(_built(html_dir, page)).find_all("a")}
    for kind, url in _expected_launch_links(page).items():
        assert url in hrefs, (f"{page}: no {kind} launch link {url}; found "
                              f"{sorted(h for h in hrefs if h and kind in h)}")


# =========================================================================================
# g. formulas render offline (MathJax from the book, not a CDN)
# =========================================================================================
@pytest.mark.parametrize("page", MATH_PAGES, ids=_page_id)
def test_math_renders_offline(html_dir, browser, page):
    soup = _soup(_built(html_dir, page))
    scripts = [s.get("src", "") for s in soup.find_all("script")]
    mathjax = [src for src in scripts if "mathjax" in src.lower()]
    assert mathjax and not any(src.startswith(("http:", "https:", "//")) for src in mathjax), (
        f"{page} loads MathJax from {mathjax}: it should come from _static (mathjax_path)")
    formulas = soup.select(".math")
    assert formulas, f"{page} has no formulas to check (class 'math')"
    dom = BeautifulSoup(browser.dom(page).dom, "html.parser")
    rendered = dom.find_all("mjx-container")
    assert len(rendered) >= len(formulas), (
        f"{page}: {len(formulas)} formulas but MathJax rendered {len(rendered)} offline")
    assert all(c.find("svg") for c in rendered), "MathJax's SVG output carries its glyphs"


# =========================================================================================
# h. the latent-space chapter's static slider, photographed at two positions
# =========================================================================================
TALL = (1280, 16000)  # the whole chapter at once: headless screenshots do not scroll


@pytest.mark.parametrize("page", ["chapters/en/03_latent_space.html"], ids=_page_id)
def test_slider_screenshots_at_two_positions_differ(html_dir, browser, server, page):
    _built(html_dir, page)
    url = server.base + page
    opening = browser.screenshot(url, SCREENSHOTS / "en_03_page_opening.png", size=TALL)
    first = browser.screenshot(url + "#slider-first", SCREENSHOTS / "en_03_page_first.png", size=TALL)
    # Pixels that changed clearly (faint anti-aliasing flicker elsewhere on the page
    # does not count).
    changed_mask = ImageChops.difference(opening, first).convert("L").point(lambda v: 255 if v > 32 else 0)
    assert changed_mask.getbbox() is not None, "moving the sliders to their first frame changed nothing"
    # The first region that changed by a picture's size is the first slider's picture:
    # crop it from both screenshots (with some margin) and keep the two crops for a
    # person to compare. Smaller changes above it (a few pixels of a caption) are skipped.
    top, sizes = 0, []
    while (box := changed_mask.crop((0, top, TALL[0], TALL[1])).getbbox()) is not None:
        start = top + box[1]
        band = (0, max(0, start - 80), TALL[0], min(TALL[1], start + 520))
        changed = changed_mask.crop(band).getbbox()
        w, h = changed[2] - changed[0], changed[3] - changed[1]
        if w > 100 and h > 50:
            break
        sizes.append(f"{w}x{h}")
        top = band[1] + changed[3]  # below this small change
    else:
        pytest.fail(f"only small areas changed ({', '.join(sizes)} px): captions, not a picture?")
    crops = [im.crop(band) for im in (opening, first)]
    for name, crop in zip(("en_03_slider_opening.png", "en_03_slider_first.png"), crops):
        crop.save(SCREENSHOTS / name)
    for name in ("en_03_page_opening.png", "en_03_page_first.png"):
        (SCREENSHOTS / name).unlink()  # 16,000 px tall: too big to keep as artefacts
