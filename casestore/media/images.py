"""Checking an uploaded photo by decoding it, and re-encoding it without metadata.

Nothing the resident's device wrote travels on: the picture is decoded
(Pillow; only JPEG, PNG, WebP, and HEIC where a Pillow plugin reads it),
turned upright from its EXIF orientation, and saved again as a plain JPEG with
no EXIF, GPS, comments or colour profile. The GPS position is read from the
EXIF before that and handed back only when the resident allowed it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF", "HEIC")
# A photo from any phone is under 50 megapixels; more is a decompression bomb (a
# small file that decodes to gigabytes). Checked from the header, before decoding.
MAX_PIXELS = 50_000_000
THUMB_PX = 320
JPEG_QUALITY = 85
CONTENT_TYPE = "image/jpeg"


class MediaRefused(Exception):  # noqa: N818 - the name other code was promised
    """An upload the case store will not keep; ``reason`` says why in a sentence.

    ``code`` is ``too_large`` (HTTP 413) or ``not_an_image`` (400).
    """

    def __init__(self, reason: str, *, code: str = "not_an_image") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.status = 413 if code == "too_large" else 400


@dataclass(frozen=True)
class CleanImage:
    """A photo ready to store: the clean JPEG, its thumbnail, and what was read from it."""

    full: bytes
    thumb: bytes
    width: int
    height: int
    location: tuple[float, float] | None  # (lat, long), only when the caller kept it


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _degrees(value, ref) -> float | None:
    """Return decimal degrees from EXIF (degrees, minutes, seconds) and its N/S/E/W ref."""
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    return -degrees if str(ref).strip().upper() in ("S", "W") else degrees


def gps_position(image: Image.Image) -> tuple[float, float] | None:
    """Return the (lat, long) the image's EXIF GPS block holds, or None."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a broken EXIF block is as good as none
        return None
    if not gps:
        return None
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    long = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if lat is None or long is None or not (-90 <= lat <= 90 and -180 <= long <= 180):
        return None
    return round(lat, 6), round(long, 6)


def _decode(data: bytes) -> Image.Image:
    """Open and fully decode ``data``, refusing what is not an accepted, sane image."""
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own pixel limit; treat that as the refusal it is.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise MediaRefused("Only JPEG, PNG, WebP or HEIC photos are accepted.")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise MediaRefused("The photo has too many pixels.")
            image.load()
    except MediaRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaRefused("The photo has too many pixels.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise MediaRefused("The file is not a photo the case store can read.") from exc
    return image


def _rgb(image: Image.Image) -> Image.Image:
    """Return an RGB copy; transparent parts become white (JPEG has no transparency)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    # A fresh info dict: Pillow would carry a JPEG comment over from the original.
    image.info = {}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def clean_image(data: bytes, *, max_bytes: int, keep_location: bool = False) -> CleanImage:
    """Check ``data`` is a photo of at most ``max_bytes`` and return it re-encoded.

    Raises ``MediaRefused`` for anything too big, empty, undecodable or of
    another format. ``keep_location``: the resident allowed their photo's GPS
    position to be used; otherwise it is dropped with the rest of the EXIF.
    """
    if len(data) > max_bytes:
        raise MediaRefused(f"The photo is over {_megabytes(max_bytes)}.", code="too_large")
    if not data:
        raise MediaRefused("The file is empty.")
    image = _decode(data)
    location = gps_position(image) if keep_location else None
    upright = _rgb(ImageOps.exif_transpose(image))
    thumb = upright.copy()
    thumb.thumbnail((THUMB_PX, THUMB_PX))
    return CleanImage(full=_jpeg(upright), thumb=_jpeg(thumb), width=upright.width,
                      height=upright.height, location=location)
