"""Static files under content-hashed names, pre-compressed, cached for good.

``url_for('static', filename='css/phone.css')`` gives
``/static/css/phone.3f2a9c1b0d.css``: the name changes whenever the content
does, so the browser may keep it for a year (``immutable``) and a reload asks
for nothing. Each versioned file is written once into
``instance/static-cache/`` beside its brotli and gzip copies (compressed at the
highest level, once, never per request) and served by WhiteNoise before Flask
and before the poll middleware. The cache is keyed by content, so two workers
starting together, or an edited file, can never serve a stale copy.

Our own scripts and stylesheets are served minified (rjsmin, rcssmin; the
vendored files come minified already): on a phone at a festival every kilobyte
is a fiftieth of a second. The phone's pages carry their stylesheets inline
(``inline_css``), which saves them a round trip before the first paint.

Unversioned ``/static/...`` URLs still work through Flask's own static route
(revalidated on every use, as before). Copies of files since changed stay in
the cache folder (a worker of the previous release may still link them); it
can be emptied whenever no worker runs.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import brotli
import rcssmin
import rjsmin
from markupsafe import Markup
from whitenoise import WhiteNoise

if TYPE_CHECKING:
    from flask import Flask

#: files not worth compressing: already compressed, or too small to gain anything
_NO_COMPRESS = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2", ".gz", ".br"}
_MIN_COMPRESS_BYTES = 500


def versioned_name(name: str, content: bytes) -> str:
    """``css/phone.css`` → ``css/phone.<10 hex digits of its SHA-256>.css``."""
    digest = hashlib.sha256(content).hexdigest()[:10]
    stem, dot, suffix = name.rpartition(".")
    if not dot or "/" in suffix:
        return f"{name}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def _write_once(path: Path, data: bytes) -> None:
    """Atomically, so a second worker starting at the same moment reads whole files."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def served_content(name: str, content: bytes) -> bytes:
    """What is sent for a static file: our own scripts and stylesheets minified."""
    if name.startswith("vendor/") or ".min." in name:
        return content
    if name.endswith(".js"):
        return str(rjsmin.jsmin(content.decode())).encode()
    if name.endswith(".css"):
        return str(rcssmin.cssmin(content.decode())).encode()
    return content


def _static_files(static_root: Path) -> list[tuple[str, Path]]:
    return [
        (path.relative_to(static_root).as_posix(), path)
        for path in sorted(static_root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]


def build_cache(static_root: Path, cache_root: Path) -> dict[str, str]:
    """Write every static file's versioned copy (and .br/.gz); return name → versioned name."""
    versions: dict[str, str] = {}
    for name, path in _static_files(static_root):
        content = served_content(name, path.read_bytes())
        versioned = versioned_name(name, content)
        versions[name] = versioned
        target = cache_root / versioned
        if target.exists():
            continue
        if path.suffix not in _NO_COMPRESS and len(content) >= _MIN_COMPRESS_BYTES:
            _write_once(target.with_name(target.name + ".br"), brotli.compress(content, quality=11))
            _write_once(target.with_name(target.name + ".gz"), gzip.compress(content, 9, mtime=0))
        # the file itself last: its presence says the compressed copies are complete
        _write_once(target, content)
    return versions


def init_static(app: Flask) -> None:
    """Version ``url_for('static', ...)`` and serve the versioned files through WhiteNoise."""
    assert app.static_folder is not None
    static_root = Path(app.static_folder)
    cache_root = Path(app.instance_path) / "static-cache"
    stylesheets = {
        name: served_content(name, path.read_bytes()).decode()
        for name, path in _static_files(static_root)
        if name.endswith(".css")
    }

    def inline_css(*names: str) -> Markup:
        """Stylesheets for a ``<style>`` element: ours, minified (no markup can be in them)."""
        return Markup("".join(stylesheets[name] for name in names))  # noqa: S704

    app.jinja_env.globals["inline_css"] = inline_css
    try:
        versions = build_cache(static_root, cache_root)
    except OSError as error:
        # a read-only instance folder: plain /static/ URLs through Flask, as before
        app.logger.warning("static files not versioned: %s", error)
        return
    app.extensions["static_versions"] = versions

    @app.url_defaults
    def _versioned(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static":
            filename = values.get("filename")
            if isinstance(filename, str) and filename in versions:
                values["filename"] = versions[filename]

    served = WhiteNoise(
        app.wsgi_app,
        max_age=None,
        immutable_file_test=lambda path, url: True,
        # same origin only: no CDN, and every header is bytes on slow venue Wi-Fi
        allow_all_origins=False,
    )
    prefix = (app.static_url_path or "/static").strip("/") + "/"
    # only the versioned names of today's files: an old cached copy is never offered
    stat_cache = {
        str(cache_root / v): os.stat(cache_root / v)
        for name in versions.values()
        for v in (name, name + ".br", name + ".gz")
        if (cache_root / v).exists()
    }
    for versioned in versions.values():
        served.add_file_to_dictionary(
            "/" + prefix + versioned, str(cache_root / versioned), stat_cache=stat_cache
        )
    app.wsgi_app = served  # type: ignore[method-assign]
