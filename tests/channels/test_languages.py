"""Spanish end to end in the channels app: keywords, remembered language, hints to the
assistant, the phone menu's Spanish, the widget's texts (issue 12)."""

from __future__ import annotations

import json
import re

from channels import senders
from tests.channels.test_outage import down_app  # noqa: F401 - fixture
from tests.channels.test_sms import XML, sms
from tests.channels.test_telegram import SECRET, USER, text_update
from tests.channels.test_voice import CALL
from tests.fixtures.channels import post_twilio

SPANISH = {"custom": {"language": "es"}}  # what the assistant's reply list ends with
ES_HELP = (
    "Atlanta 311: envíenos un mensaje de texto para reportar un problema de la Ciudad que no "
    "sea una emergencia (baches, basura que no se recogió, alumbrado público...) o para "
    "consultar un caso por su número. Para hablar con una persona, llame al 311 o al "
    "404-546-0311. En una emergencia, llame al 911. Responda PARAR para dejar de recibir "
    "mensajes.")
ES_HINTS = (
    "reportar, reporte, reportar un problema, estado, estatus, estado de un caso, agente, "
    "operador, operadora, representante, una persona, bache, hoyo en la calle, "
    "alumbrado público, poste de luz apagado, semáforo, señal de alto, banqueta, acera, "
    "basura, reciclaje, no recogieron la basura, objetos grandes, bote de basura, grafiti, "
    "basura tirada, carro abandonado, carro estacionado, bloqueando mi entrada, "
    "animal muerto, fuga de agua, tubería rota, sin agua, drenaje, aguas negras, "
    "alcantarilla, inundación, hidrante, árbol caído, pasto alto, hierba crecida, ruido, "
    "música alta, exceso de velocidad, personas sin hogar, recibo del agua, número de caso, "
    "estado del caso")
ES_GREETING = (
    "Bienvenido al 3 1 1 de Atlanta. Si alguien está en peligro, cuelgue y marque 9 1 1. "
    "Díganos en pocas palabras el motivo de su llamada. O oprima 1 para reportar un "
    "problema, 2 para el estado de un caso, 0 para hablar con una persona.")


def twiml(text: str) -> str:
    return f"{XML}<Response><Message><Body>{text}</Body></Message></Response>"


def spanish_conversation(client, fake_rasa) -> None:
    """One turn after which the assistant says the conversation is in Spanish."""
    fake_rasa.reply = lambda body: [{"text": "¿Cuál es la dirección?"}, SPANISH]
    post_twilio(client, "/sms", sms("hay un bache", sid="SM0100"))


# SMS keywords -------------------------------------------------------------------------


def test_ayuda_is_answered_in_spanish(channels_app, fake_rasa):
    body = post_twilio(channels_app().test_client(), "/sms", sms("Ayuda")).get_data(as_text=True)
    assert body == twiml(ES_HELP)
    assert fake_rasa.received == []


def test_parar_opts_out_and_the_app_confirms_in_spanish_as_twilio_knows_no_spanish_keyword(
        channels_app, fake_rasa, api_recorder):
    client = channels_app(TWILIO_OPT_OUT_HANDLING="twilio").test_client()
    body = post_twilio(client, "/sms", sms("PARAR")).get_data(as_text=True)
    assert body == twiml(
        "Canceló su suscripción y ya no recibirá mensajes de Atlanta 311, tampoco sobre sus "
        "casos. Responda COMENZAR para suscribirse de nuevo.")
    assert api_recorder.calls("/api/v1/opt-outs")[0].json == {
        "channel_address": "sms:+14045550123"}
    quiet = post_twilio(client, "/sms", sms("hay un bache", sid="SM0002")).get_data(as_text=True)
    assert quiet == f"{XML}<Response />"
    assert fake_rasa.received == []


def test_comenzar_opts_back_in_with_a_spanish_confirmation(channels_app, fake_rasa,
                                                           api_recorder):
    client = channels_app().test_client()
    post_twilio(client, "/sms", sms("CANCELAR"))
    body = post_twilio(client, "/sms", sms("comenzar", sid="SM0002")).get_data(as_text=True)
    assert body == twiml(
        "Se suscribió de nuevo a los mensajes de Atlanta 311. ¿En qué le podemos ayudar?")
    assert api_recorder.calls("/api/v1/opt-outs")[-1].method == "DELETE"


def test_a_spanish_keyword_twilio_already_answered_is_not_confirmed_again(channels_app,
                                                                          fake_rasa):
    # Twilio's Advanced Opt-Out, with PARAR configured, answers itself and says so.
    client = channels_app(TWILIO_OPT_OUT_HANDLING="twilio").test_client()
    body = post_twilio(client, "/sms", sms("PARAR", OptOutType="STOP")).get_data(as_text=True)
    assert body == f"{XML}<Response />"
    assert senders.is_opted_out(client.application, "sms:+14045550123")


def test_an_english_keyword_is_answered_in_the_conversations_language(channels_app,
                                                                      fake_rasa):
    client = channels_app().test_client()
    spanish_conversation(client, fake_rasa)
    body = post_twilio(client, "/sms", sms("HELP", sid="SM0002")).get_data(as_text=True)
    assert body == twiml(ES_HELP)


def test_english_help_stays_english_without_a_spanish_conversation(channels_app, fake_rasa):
    body = post_twilio(channels_app().test_client(), "/sms", sms("HELP")).get_data(as_text=True)
    assert body.startswith(f"{XML}<Response><Message><Body>Atlanta 311: text us to report")


# The language marker, and the conversation's language ------------------------------------


def test_the_language_marker_is_never_sent_and_is_remembered(channels_app, fake_rasa):
    app = channels_app()
    fake_rasa.reply = lambda body: [{"text": "¿Cuál es la dirección?"}, SPANISH]
    body = post_twilio(app.test_client(), "/sms", sms("hay un bache")).get_data(as_text=True)
    assert body == twiml("¿Cuál es la dirección?")
    assert senders.language(app, "sms:+14045550123") == "es"


def test_a_language_the_catalog_lacks_is_not_remembered(channels_app, fake_rasa):
    app = channels_app()
    fake_rasa.reply = lambda body: [{"text": "Bonjour"}, {"custom": {"language": "fr"}}]
    post_twilio(app.test_client(), "/sms", sms("bonjour"))
    assert senders.language(app, "sms:+14045550123") is None


def test_a_marker_alone_is_still_no_answer(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [SPANISH]
    body = post_twilio(channels_app().test_client(), "/sms", sms("hola")).get_data(as_text=True)
    assert body == twiml("Thanks, we have your message. Our reply is on its way.")


def test_the_holding_reply_of_a_spanish_conversation_is_in_spanish(channels_app, fake_rasa):
    client = channels_app().test_client()
    spanish_conversation(client, fake_rasa)
    fake_rasa.stop()
    body = post_twilio(client, "/sms", sms("en la calle Oak", sid="SM0002")).get_data(
        as_text=True)
    assert body == twiml(
        "Gracias, recibimos su mensaje. Nuestro asistente no está disponible en este momento; "
        "le responderemos por aquí en cuanto vuelva a funcionar. Si es urgente, llame al 311 "
        "(404-546-0311) o al 911 en caso de emergencia.")


def test_numbered_options_of_a_spanish_conversation_are_in_spanish(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [
        {"text": "¿Está en un carril?", "buttons": [{"title": "Sí", "payload": "/affirm"},
                                                    {"title": "No", "payload": "/deny"}]},
        SPANISH]
    body = post_twilio(channels_app().test_client(), "/sms", sms("bache")).get_data(
        as_text=True)
    assert body == twiml("¿Está en un carril?\n\nResponda 1 para Sí\nResponda 2 para No")


def test_a_texts_outage_answer_is_in_the_language_last_seen(down_app, fake_rasa):  # noqa: F811
    senders._recent(down_app, "sms:+14045550199", "es")  # noqa: SLF001 - a Spanish turn did
    body = post_twilio(down_app.test_client(), "/sms", sms("bache", sender="+14045550199"))
    assert body.get_data(as_text=True) == (
        f"{XML}<Response><Message>Lo sentimos, no pudimos recibir su mensaje en este momento. "
        "Envíelo de nuevo en unos minutos. Si alguien está en peligro, llame al 911."
        "</Message></Response>")


# Language hints to the assistant -------------------------------------------------------


def test_telegrams_language_code_goes_to_the_assistant_as_metadata(channels_app, fake_rasa):
    update = text_update(2001, "hay un bache", **{"from": {**USER, "language_code": "es-MX"}})
    channels_app().test_client().post("/telegram", json=update, headers=SECRET)
    assert fake_rasa.received[0]["metadata"]["language"] == "es"


def test_a_telegram_language_the_catalog_lacks_is_no_hint(channels_app, fake_rasa):
    update = text_update(2002, "hallo", **{"from": {**USER, "language_code": "de"}})
    channels_app().test_client().post("/telegram", json=update, headers=SECRET)
    assert "language" not in fake_rasa.received[0]["metadata"]


def test_telegram_start_greets_in_the_senders_language(channels_app, fake_rasa):
    update = text_update(2003, "/start", **{"from": {**USER, "language_code": "es"}})
    channels_app().test_client().post("/telegram", json=update, headers=SECRET)
    assert fake_rasa.received[0]["message"] == "hola"


def test_the_widgets_language_goes_to_the_assistant_and_sets_its_holding_reply(
        channels_app, fake_rasa):
    client = channels_app().test_client()
    fake_rasa.stop()
    body = client.post("/webchat/messages", json={
        "session_id": "S" * 22, "text": "hola", "message_id": "m1", "language": "es"})
    assert body.get_json()["messages"] == [{"text": (
        "Gracias, recibimos su mensaje. Nuestro asistente no está disponible en este momento; "
        "le responderemos por aquí en cuanto vuelva a funcionar. Si es urgente, llame al 311 "
        "(404-546-0311) o al 911 en caso de emergencia.")}]


def test_the_widgets_language_is_metadata_for_the_assistant(channels_app, fake_rasa):
    channels_app().test_client().post("/webchat/messages", json={
        "session_id": "S" * 22, "text": "hola", "message_id": "m1", "language": "es"})
    assert fake_rasa.received[0]["metadata"]["language"] == "es"


# The phone menu in Spanish ---------------------------------------------------------------


def es_gather(action: str, say: str, silence: str, keys: str = 'numDigits="1"') -> str:
    """The exact TwiML of one listening step of a Spanish call (es-US speech and voice)."""
    finish, digits = (keys + " ", "") if keys.startswith("finishOnKey") else ("", keys + " ")
    return (f'{XML}<Response><Gather action="{action}" {finish}hints="{ES_HINTS}" '
            f'input="speech dtmf" language="es-US" method="POST" {digits}speechTimeout="auto" '
            f'timeout="6"><Say language="es-US">{say}</Say></Gather>'
            f'<Redirect method="POST">{silence}</Redirect></Response>')


def test_pressing_9_at_the_greeting_makes_the_call_spanish(channels_app, fake_rasa):
    app = channels_app()
    body = post_twilio(app.test_client(), "/voice/gather?turn=1&step=menu",
                       {**CALL, "Digits": "9"}).get_data(as_text=True)
    assert body == es_gather("/voice/gather?turn=2&amp;step=menu&amp;lang=es", ES_GREETING,
                             "/voice/silence?turn=2&amp;count=1&amp;step=menu&amp;lang=es")
    assert senders.language(app, "voice:CA0001") == "es"
    assert fake_rasa.received == []


def test_saying_espanol_at_the_greeting_makes_the_call_spanish(channels_app, fake_rasa):
    body = post_twilio(channels_app().test_client(), "/voice/gather?turn=1&step=menu",
                       {**CALL, "SpeechResult": "Español.", "Confidence": "0.3"}).get_data(
                           as_text=True)
    assert re.search(r'<Say language="es-US">([^<]+)</Say>', body).group(1) == ES_GREETING


def test_a_spanish_call_speaks_the_assistants_reply_in_spanish(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [{"text": "¿Dónde está el bache?"}, SPANISH]
    client = channels_app().test_client()
    post_twilio(client, "/voice/gather?turn=1&step=menu", {**CALL, "Digits": "9"})
    body = post_twilio(client, "/voice/gather?turn=2&step=menu&lang=es",
                       {**CALL, "SpeechResult": "hay un bache", "Confidence": "0.9"}).get_data(
                           as_text=True)
    assert body == es_gather("/voice/gather?turn=3&amp;lang=es", "¿Dónde está el bache?",
                             "/voice/silence?turn=3&amp;count=1&amp;lang=es",
                             keys='finishOnKey="#"')
    assert [(r["message"], r["metadata"]["language"]) for r in fake_rasa.received] == [
        ("hay un bache", "es")]


def test_a_spanish_caller_pressing_2_is_asked_in_spanish_and_asks_in_spanish(
        channels_app, fake_rasa):
    client = channels_app().test_client()
    post_twilio(client, "/voice/gather?turn=1&step=menu", {**CALL, "Digits": "9"})
    ask = post_twilio(client, "/voice/gather?turn=2&step=menu&lang=es",
                      {**CALL, "Digits": "2"}).get_data(as_text=True)
    assert ('<Say language="es-US">Marque su número de caso y luego oprima la tecla de '
            "numeral. O diga el número.</Say>") in ask
    post_twilio(client, "/voice/gather?turn=3&step=status&lang=es",
                {**CALL, "Digits": "26000123"})
    assert fake_rasa.received[-1]["message"] == "cuál es el estado del caso 26000123"


def test_english_calls_tell_the_assistant_they_are_english(channels_app, fake_rasa):
    post_twilio(channels_app().test_client(), "/voice/gather?turn=3",
                {**CALL, "SpeechResult": "pothole", "Confidence": "0.9"})
    assert fake_rasa.received[0]["metadata"]["language"] == "en"


def test_a_spanish_callers_outage_answer_is_spoken_in_spanish(down_app):  # noqa: F811
    body = post_twilio(down_app.test_client(), "/voice/gather?turn=2&lang=es",
                       {**CALL, "SpeechResult": "un bache"}).get_data(as_text=True)
    assert body == (
        f'{XML}<Response><Say language="es-US">Lo sentimos, no podemos atender su llamada en '
        "este momento. Vuelva a llamar en unos minutos, o llame al 404-546-0311. Si alguien "
        "está en peligro, cuelgue y marque 9 1 1. Adiós.</Say><Hangup /></Response>")


# The widget's texts -----------------------------------------------------------------------


def test_the_page_carries_every_widget_text_in_english_and_spanish(channels_app):
    page = channels_app().test_client().get("/").get_data(as_text=True)
    found = re.search(r'<script id="chat-texts" type="application/json">(.*?)</script>', page,
                      re.S)
    widget = json.loads(found.group(1))
    assert widget["languages"] == [{"code": "en", "name": "English"},
                                   {"code": "es", "name": "Español"}]
    english, spanish = widget["texts"]["en"], widget["texts"]["es"]
    assert set(english) == set(spanish)
    assert [k for k in english if english[k] == spanish[k]] == []  # every one translated
    assert (english["label"], spanish["label"]) == ("Your message", "Su mensaje")
    assert spanish["chat_title"] == "Chat con Atlanta 311"
    assert '<button type="button" data-lang="es" lang="es"' in page


# The stored language ------------------------------------------------------------------


def test_an_older_addresses_table_gets_the_language_column(make_database_url):
    import sqlalchemy as sa

    from channels.store import make_engine

    url = make_database_url("oldchannels")
    old = sa.create_engine(url, future=True)
    with old.begin() as conn:  # the table as versions before issue 12 made it
        conn.execute(sa.text(
            "CREATE TABLE addresses (address VARCHAR(200) PRIMARY KEY, last_buttons JSON "
            "NOT NULL, last_prompt TEXT, opted_out BOOLEAN NOT NULL, updated_at TIMESTAMP "
            "NOT NULL)"))
    old.dispose()
    engine = make_engine(url)
    try:
        columns = {c["name"] for c in sa.inspect(engine).get_columns("addresses")}
        assert "language" in columns
    finally:
        engine.dispose()


# The translations themselves -------------------------------------------------------------


def test_every_text_of_the_channels_app_is_translated_with_its_placeholders():
    """Each catalog language's .po has every msgid in channels/ (as `pybabel extract -k
    gettext:2 -k N_` finds them), none fuzzy or empty, each with the msgid's {names}."""
    from pathlib import Path

    import yaml
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    found = {message for _file, _line, message, _comments, _context in extract_from_dir(
        str(root / "channels"), method_map=[("**.py", "python")],
        keywords={"gettext": (2,), "N_": None})}
    city = yaml.safe_load((root / "config/catalog.yml").read_text(encoding="utf-8"))["city"]
    for lang in city["languages"][1:]:
        with open(root / f"channels/translations/{lang}/LC_MESSAGES/messages.po", "rb") as po:
            catalog = read_po(po, locale=lang)
        texts = {m.id: m for m in catalog if m.id}
        assert sorted(found - set(texts)) == [], lang
        for msgid, message in texts.items():
            assert message.string and "fuzzy" not in message.flags, (lang, msgid)
            assert set(re.findall(r"{\w+}", message.string)) == set(
                re.findall(r"{\w+}", msgid)), (lang, msgid)
