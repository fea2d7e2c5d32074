"""The widget in headless Chromium against the channels app (Rasa stand-in): the session id
comes from the server, and the transcript is fetched without it in the URL."""

from __future__ import annotations

from tests.fixtures.browser import chromium, serious_violations  # noqa: F401 - fixture


def test_the_widget_uses_a_server_issued_session_and_keeps_it_out_of_urls(
        channels_app, fake_rasa, serve, chromium):  # noqa: F811 - the imported fixture
    url = serve(channels_app())
    page = chromium.new_context(viewport={"width": 375, "height": 740}).new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url + "/")
    page.get_by_label("Your message").fill("hello")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg.assistant >> text=echo: hello", timeout=30_000)
    session_id = page.evaluate("localStorage.getItem('atl311.session')")
    assert len(session_id) == 22
    assert fake_rasa.received[0]["sender"] == f"webchat:{session_id}"

    page.reload()
    page.wait_for_selector(".msg.assistant >> text=echo: hello", timeout=30_000)
    assert page.locator(".msg.resident").all_inner_texts()[0].endswith("hello")
    assert page.evaluate("localStorage.getItem('atl311.session')") == session_id
    leaked = [u for u in requested if session_id in u]
    assert leaked == []
    assert any("/webchat/messages?after=" in u for u in requested)


def test_the_widget_resends_the_same_message_through_a_brief_outage(
        channels_app, fake_rasa, serve, chromium):  # noqa: F811 - the imported fixture
    url = serve(channels_app())
    page = chromium.new_context().new_page()
    refused: list[str] = []

    def outage(route) -> None:
        # Three tries meet a database outage (503), the fourth gets through: more
        # than quick resends would survive.
        if route.request.method == "POST" and len(refused) < 3:
            refused.append(route.request.post_data_json["message_id"])
            route.fulfill(status=503, headers={"Retry-After": "5"},
                          json={"error": "unavailable", "message": "Try again shortly."})
        else:
            route.continue_()

    page.route("**/webchat/messages", outage)
    page.goto(url + "/")
    page.get_by_label("Your message").fill("hello")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg.assistant >> text=echo: hello", timeout=30_000)

    assert [r["message"] for r in fake_rasa.received] == ["hello"]
    assert len(refused) == 3 and len(set(refused)) == 1  # the same message, resent
    assert page.evaluate("document.getElementById('error').hidden")


def test_the_widget_switches_to_spanish_and_tells_the_assistant(
        channels_app, fake_rasa, serve, chromium):  # noqa: F811 - the imported fixture
    url = serve(channels_app())
    page = chromium.new_context(locale="en-US", viewport={"width": 375, "height": 740}).new_page()
    page.goto(url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Español").click()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("button", name="Español").get_attribute("aria-pressed") == "true"
    assert page.locator("h1").inner_text() == "Reporte un problema o consulte un caso"
    assert page.locator(".msg.assistant").first.inner_text().endswith(
        "¿En qué le puedo ayudar?")  # the welcome line follows the switch
    page.get_by_label("Su mensaje").fill("hola")
    page.get_by_role("button", name="Enviar").click()
    page.wait_for_selector(".msg.assistant >> text=echo: hola", timeout=30_000)
    assert fake_rasa.received[0]["metadata"]["language"] == "es"

    page.reload()  # the choice is kept
    page.wait_for_selector(".msg.assistant >> text=echo: hola", timeout=30_000)
    assert page.locator("label[for=message]").inner_text() == "Su mensaje"
    page.get_by_role("button", name="English").click()
    assert page.locator("label[for=message]").inner_text() == "Your message"


def test_a_spanish_browser_gets_the_widget_in_spanish(
        channels_app, fake_rasa, serve, chromium):  # noqa: F811 - the imported fixture
    url = serve(channels_app())
    page = chromium.new_context(locale="es-MX", bypass_csp=True).new_page()  # axe is injected
    page.goto(url + "/")
    page.wait_for_selector(".msg.assistant", timeout=30_000)
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.title() == "Atlanta 311 – Reporte un problema o consulte un caso"
    assert page.get_by_label("Su mensaje").is_visible()
    assert serious_violations(page) == []  # the switch and the Spanish page pass axe-core
