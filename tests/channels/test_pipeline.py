"""The message pipeline is built by ``create_app``: its local handlers, their order, the sender.

Nothing is registered at import, so every app has its own chain: what one app
(or test) adds is not seen by another built in the same process.
"""

from __future__ import annotations

from channels import livechat, notices, outbound, sms

SESSION = "session-0123456789abcdef"


def test_create_app_declares_the_local_handlers_in_their_order(channels_app):
    app = channels_app()
    assert app.extensions["channels"]["handlers"] == [
        sms.answer_keyword, livechat.route_to_agent, notices.answer_notice_reply]


def test_create_app_sets_the_sender_on_both_apps(channels_app):
    app = channels_app()
    # The sender is outbound.deliver, wrapped to count failed sends (channels/metrics.py).
    assert app.extensions["channels"]["send"].__wrapped__ is outbound.deliver
    assert channels_app.internal(app).extensions["channels"]["send"].__wrapped__ is (
        outbound.deliver)


def test_two_apps_in_one_process_have_their_own_handler_chains(channels_app, fake_rasa):
    first, second = channels_app(), channels_app()

    def answer_everything(app, row):
        return [{"text": "answered by the first app's own handler"}]

    first.extensions["channels"]["handlers"].insert(0, answer_everything)

    assert answer_everything not in second.extensions["channels"]["handlers"]
    assert first.extensions["channels"]["handlers"] is not second.extensions["channels"]["handlers"]
    answered = first.test_client().post(
        "/webchat/messages", json={"session_id": SESSION, "text": "hello"})
    relayed = second.test_client().post(
        "/webchat/messages", json={"session_id": SESSION, "text": "hello"})
    assert answered.json["messages"] == [{"text": "answered by the first app's own handler"}]
    assert relayed.json["messages"] == [{"text": "echo: hello"}]
    assert [r["message"] for r in fake_rasa.received] == ["hello"]  # only the second asked


def test_a_new_app_starts_from_the_declared_chain(channels_app):
    channels_app().extensions["channels"]["handlers"].clear()
    assert channels_app().extensions["channels"]["handlers"] == [
        sms.answer_keyword, livechat.route_to_agent, notices.answer_notice_reply]
