"""Rasa's calls to an endpoint reuse one connection, and still work when the server closes it."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa.utils.endpoints import EndpointConfig

from bot import kept_connections


def serve_and_call(calls: int, close_between: bool = False) -> tuple[list, list[dict]]:
    """Answer ``calls`` POSTs through ``EndpointConfig.request``; return the client ports
    the server saw and the answers."""
    kept_connections.install()
    ports: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        ports.append(request.transport.get_extra_info("peername")[1])
        headers = {"Connection": "close"} if close_between else {}
        return web.json_response({"seen": request.headers.get("X-Test")}, headers=headers)

    async def run() -> list[dict]:
        app = web.Application()
        app.router.add_post("/webhook", handler)
        async with TestServer(app, host="127.0.0.1") as server:
            endpoint = EndpointConfig(str(server.make_url("/webhook")),
                                      headers={"X-Test": "yes"})
            return [await endpoint.request(json={"n": n}, method="post") for n in range(calls)]

    return ports, asyncio.run(run())


def test_install_replaces_the_session_once():
    kept_connections.install()
    first = EndpointConfig.session
    kept_connections.install()
    assert EndpointConfig.session is first
    assert first._kept is True


def test_calls_share_one_connection_and_keep_the_endpoints_headers():
    ports, answers = serve_and_call(3)
    assert answers == [{"seen": "yes"}] * 3
    assert len(set(ports)) == 1


def test_a_connection_the_server_closed_is_replaced():
    ports, answers = serve_and_call(3, close_between=True)
    assert answers == [{"seen": "yes"}] * 3
    assert len(set(ports)) == 3
