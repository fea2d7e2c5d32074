"""Security headers and cookie flags on every response of the channels apps.

The chat page loads only its own script and style sheet (``/static/chat.js``,
``/static/chat.css``) and talks only to this app, so its Content-Security-Policy
allows nothing else; images in replies may come from any https host (the
assistant's photos and maps). Who may embed the page in a frame is a setting
(CHANNELS_FRAME_ANCESTORS: the City's own site, or ``'none'``).
"""

from __future__ import annotations

from flask import Flask, Response, current_app

_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}")


def content_security_policy(app: Flask) -> str:
    """The chat page's policy, with the configured frame-ancestors."""
    ancestors = app.config["CHANNELS_FRAME_ANCESTORS"].strip() or "'none'"
    return _CSP.format(ancestors=ancestors)


def _secure_cookies(response: Response) -> None:
    # Whatever sets a cookie (the web chat session, Flask's own), it travels over https only.
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        response.headers.add("Set-Cookie", cookie if "secure" in flags else f"{cookie}; Secure")


def _add_headers(response: Response) -> Response:
    app = current_app
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", content_security_policy(app))
    if app.config["CHANNELS_COOKIE_SECURE"]:
        _secure_cookies(response)
    return response


def install_security_headers(app: Flask) -> None:
    """Add the headers to every response of ``app`` and make its own cookies Secure."""
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["CHANNELS_COOKIE_SECURE"])
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.after_request(_add_headers)
