"""Where photo bytes live: a local folder (default) or an S3-compatible bucket.

A store knows keys and bytes only; which photo a key belongs to is the
``photos`` table's business. ``MEDIA_STORE=local`` writes under ``MEDIA_DIR``
(empty: ``media/`` under the case store's ``VAR_DIR``); ``MEDIA_STORE=s3`` puts
objects in ``MEDIA_S3_BUCKET`` through boto3, at ``MEDIA_S3_ENDPOINT_URL`` when
set (MinIO, Ceph, other S3-compatible stores), with credentials from boto3's
usual environment (``AWS_ACCESS_KEY_ID``, a profile, an instance role).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

# Keys are made by casestore.media.photos ("photos/<token>.jpg"); anything else
# (a "..", an absolute path) is refused so a key can never leave the folder.
_KEY = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)*$")


class MediaMissingError(Exception):
    """The store has nothing under this key."""


class MediaStore(Protocol):
    """What the case store needs of a place to keep photo bytes."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Keep ``data`` under ``key`` (replacing what was there)."""

    def get(self, key: str) -> bytes:
        """Return the bytes under ``key``; raise ``MediaMissingError`` when there are none."""

    def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is not an error."""


def _checked(key: str) -> str:
    if not _KEY.match(key) or ".." in key:
        raise ValueError("not a media key")
    return key


class LocalMediaStore:
    """Photos as files under one folder (created on first write, private to the user)."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file atomically: a reader never sees half a photo."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        """Return the file's bytes."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise MediaMissingError(key) from exc

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        self._path(key).unlink(missing_ok=True)


class S3MediaStore:
    """Photos as objects in an S3 bucket (or an S3-compatible store at ``endpoint_url``)."""

    def __init__(self, bucket: str, endpoint_url: str | None = None, client=None) -> None:
        if client is None:
            import boto3  # only deployments that choose S3 pay for the import

            client = boto3.client("s3", endpoint_url=endpoint_url or None)
        self.bucket = bucket
        self.client = client

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload the object with its content type."""
        self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=data,
                               ContentType=content_type)

    def get(self, key: str) -> bytes:
        """Download the object."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=_checked(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise MediaMissingError(key) from exc
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        """Delete the object (S3 answers the same for a missing one)."""
        self.client.delete_object(Bucket=self.bucket, Key=_checked(key))


def make_store(config) -> MediaStore:
    """Return the store the settings choose (``MEDIA_STORE``: ``local`` or ``s3``)."""
    kind = str(config.get("MEDIA_STORE") or "local").strip().lower()
    if kind == "s3":
        bucket = config.get("MEDIA_S3_BUCKET")
        if not bucket:
            raise RuntimeError("MEDIA_STORE=s3 needs MEDIA_S3_BUCKET")
        return S3MediaStore(bucket, config.get("MEDIA_S3_ENDPOINT_URL"))
    if kind != "local":
        raise RuntimeError(f"MEDIA_STORE must be local or s3, not {kind!r}")
    return LocalMediaStore(config.get("MEDIA_DIR") or Path(config["VAR_DIR"]) / "media")


def get_store() -> MediaStore:
    """Return the current app's media store, made on first use."""
    store = current_app.extensions.get("casestore.media_store")
    if store is None:
        store = current_app.extensions["casestore.media_store"] = make_store(current_app.config)
    return store
