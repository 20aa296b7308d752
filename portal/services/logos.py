"""Checking an uploaded logo and re-encoding it, so only clean raster pixels are ever served."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from portal.domain.errors import InputNotValid

MAX_UPLOAD_BYTES = 1_000_000
MAX_SIDE = 2000
MIN_SIDE = 16
STORED_MAX_SIDE = 512
ACCEPTED = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class LogoNotValid(InputNotValid):
    default_field = "logo"


@dataclass(frozen=True)
class CleanLogo:
    media_type: str
    width: int
    height: int
    data: bytes
    sha256: str


def clean_logo(upload: bytes) -> CleanLogo:
    """Sniff the content (not the name or the declared type), check the limits, re-encode as PNG.

    SVG is refused outright: it can carry script. Re-encoding drops metadata
    and anything hidden after the image data.
    """
    if not upload:
        raise LogoNotValid("Choose an image file.")
    if len(upload) > MAX_UPLOAD_BYTES:
        raise LogoNotValid(f"The logo is larger than {MAX_UPLOAD_BYTES // 1000} kB.")
    head = upload[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head:
        raise LogoNotValid("SVG logos are not accepted; upload a PNG, JPEG or WebP image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(upload)) as probe:
                kind = probe.format
                probe.verify()
            with Image.open(io.BytesIO(upload)) as image:
                if kind not in ACCEPTED:
                    raise LogoNotValid("Upload a PNG, JPEG or WebP image.")
                width, height = image.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    raise LogoNotValid(f"The logo is larger than {MAX_SIDE}×{MAX_SIDE} pixels.")
                if width < MIN_SIDE or height < MIN_SIDE:
                    raise LogoNotValid(f"The logo is smaller than {MIN_SIDE}×{MIN_SIDE} pixels.")
                image.load()
                pixels = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as error:  # fmt: skip
        raise LogoNotValid("That file is not a readable PNG, JPEG or WebP image.") from error
    pixels.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE))
    output = io.BytesIO()
    pixels.save(output, format="PNG", optimize=True)
    data = output.getvalue()
    return CleanLogo("image/png", pixels.width, pixels.height, data, hashlib.sha256(data).hexdigest())
