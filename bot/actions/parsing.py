"""Parsing and validation of what residents type or say.

Pure functions, no I/O: case numbers (every form interfaces.md lists, including
speech-recognised digits such as "two six oh oh ..."), emails (email-validator),
phone numbers (phonenumbers, E.164), corrections ("actually it's 125, not 123"),
yes/no/skip answers, weekdays and emergency wording. Locations: addresses.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.actions.emergency import detect, strip_accents

# --- case numbers ----------------------------------------------------------

_SPOKEN = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "nil": "0",
    "one": "1",
    "won": "1",
    "two": "2",
    "to": "2",
    "too": "2",
    "three": "3",
    "four": "4",
    "for": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "ate": "8",
    "nine": "9",
    "niner": "9",
    # Spanish speech recognition
    "cero": "0",
    "uno": "1",
    "una": "1",
    "dos": "2",
    "tres": "3",
    "cuatro": "4",
    "cinco": "5",
    "seis": "6",
    "siete": "7",
    "ocho": "8",
    "nueve": "9",
    # A case number's year read as one Spanish word ("veintiséis cero cero...").
    "veinte": "20",
    "veintiuno": "21",
    "veintidos": "22",
    "veintitres": "23",
    "veinticuatro": "24",
    "veinticinco": "25",
    "veintiseis": "26",
    "veintisiete": "27",
    "veintiocho": "28",
    "veintinueve": "29",
}
# Homophones ("to", "for", "won", "ate", "o") only count inside a run of digits,
# so "I want to check" does not turn into a digit.
_HOMOPHONES = {"to", "too", "for", "won", "ate", "o"}
_DIGITS_RUN = re.compile(r"(?<![\d])(\d(?:[\s\-.]*\d){5,13})(?![\d])")


def _is_digit_token(token: str) -> bool:
    word = strip_accents(token.lower())
    return token.isdigit() or word in _SPOKEN or word in ("double", "triple")


def spoken_digits_to_text(text: str) -> str:
    """Replace runs of spoken digits ("two six oh oh", "double five") with digits."""
    # Letters of any script, so "veintiséis" stays one word; accents are dropped to look it up.
    tokens = re.findall(r"[^\W\d_]+|\d+|[^\w\s]+|_+", text)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        run: list[str] = []
        j = i
        while j < len(tokens):
            word = strip_accents(tokens[j].lower())
            if (
                word in ("double", "triple")
                and j + 1 < len(tokens)
                and tokens[j + 1].lower() in _SPOKEN
            ):
                run.append(_SPOKEN[tokens[j + 1].lower()] * (2 if word == "double" else 3))
                j += 2
            elif word in _SPOKEN and not (
                # "26-010977 for the sewer": a homophone ending a run is a word.
                word in _HOMOPHONES
                and run
                and not (j + 1 < len(tokens) and _is_digit_token(tokens[j + 1]))
            ):
                run.append(_SPOKEN[word])
                j += 1
            elif word.isdigit():
                run.append(word)
                j += 1
            elif (word == "-" or (word in (",", ".") and j + 1 < len(tokens)
                                  and _is_digit_token(tokens[j + 1]))) and run:
                # A speech transcript's comma between the year and the rest is a pause.
                j += 1
            else:
                break
        spoken = [t for t in tokens[i:j] if t.isalpha()]
        if (
            run
            and (len("".join(run)) >= 4 or not spoken)
            and not (len(spoken) == 1 and spoken[0].lower() in _HOMOPHONES and len(run) == 1)
        ):
            out.append("".join(run))
            i = j
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)


@dataclass(frozen=True)
class CaseNumberMatch:
    """Result of looking for a case number: ``number`` (8 digits) or a near miss."""

    number: str | None
    malformed: str | None = None  # a digit string that looks meant as a number but is not 8 digits


def find_case_number(text: str) -> CaseNumberMatch:
    """Find a case number in any accepted form: ``26000123``, ``26-000123``,
    ``#26000123``, ``case 26 000123``, ``ATL-26000123``, ``ATL311-26000123`` or
    spoken digits. A digit string of the wrong length is reported as malformed.
    """
    if not text:
        return CaseNumberMatch(None)
    cleaned = re.sub(r"(?i)\batl(?:311)?\s*-?\s*", " ", text)
    cleaned = spoken_digits_to_text(cleaned)
    malformed = None
    for match in _DIGITS_RUN.finditer(cleaned):
        digits = re.sub(r"\D", "", match.group(1))
        if len(digits) == 8:
            return CaseNumberMatch(digits)
        # Ten or eleven digits are a phone number, not a mistyped case number.
        if len(digits) not in (10, 11) and malformed is None:
            malformed = digits
    if malformed is None:
        lone = re.search(r"(?:#\s*|\bcase\s*(?:number|no\.?|#)?\s*)(\d{3,12})\b", cleaned, re.I)
        if lone:
            malformed = lone.group(1)
    return CaseNumberMatch(None, malformed)


def format_case_number(number: str) -> str:
    """Return a case number grouped for reading: ``26-000123``."""
    return f"{number[:2]}-{number[2:]}" if len(number) == 8 else number


# --- contact details -------------------------------------------------------

_EMAIL_IN_TEXT = re.compile(r"[^\s@<>(),;:]+@[^\s@<>(),;:]+\.[A-Za-z]{2,}")


def parse_email(text: str) -> str | None:
    """Return the normalised email address in ``text``, or None when there is no valid one."""
    match = _EMAIL_IN_TEXT.search(text or "")
    if not match:
        return None
    try:
        return validate_email(match.group(0).strip("."), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def parse_phone(text: str, region: str = "US") -> str | None:
    """Return the phone number in ``text`` in E.164 (``+14045550123``), or None."""
    for match in phonenumbers.PhoneNumberMatcher(
        text or "", region, leniency=phonenumbers.Leniency.POSSIBLE
    ):
        number = match.number
        if phonenumbers.is_possible_number(number) and (
            phonenumbers.is_valid_number(number) or number.country_code == 1
        ):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def parse_name(text: str) -> str | None:
    """Return a person's name from "my name is X", "it's X" or a bare name."""
    value = re.sub(
        r"(?i)^\s*(my name is|name is|name:|i am|i'm|it's|it is|this is)\s+", "", text or ""
    ).strip(" .!,")
    if not value or len(value) > 80 or re.search(r"[\d@/<>]", value):
        return None
    return " ".join(w[:1].upper() + w[1:] for w in value.split())


# --- answers ---------------------------------------------------------------

_SKIP = re.compile(
    r"(?i)^\s*(skip|skip it|skip this|skip that|pass|next|none|n/?a|no|nope|nah|no thanks|"
    r"no email|no phone|no name|rather not|prefer not( to)?|i'?d rather not( say)?|i'?ll pass|"
    r"not now|no comment|anonymous|leave it blank|dunno|idk|i don'?t know|not sure|"
    r"i don'?t have (one|an? \w+)|saltar|omitir|siguiente|prefiero no( decir(lo)?)?|"
    r"no tengo( \w+)?|ninguno|no s[eé]|"
    # Spanish, as the assistant's own Spanish questions invite ("diga «omitir»").
    r"s[aá]lte(lo|la|se)|s[aá]lta(lo|la|te( es[ao])?)|om[ií]ta(lo|la)|om[ií]telo|paso|"
    r"ninguna|nada|no,? gracias|ahora no|mejor no|no quiero( dar(lo)?| decir(lo)?)?|"
    r"sin (correo|tel[eé]fono|nombre)|an[oó]nimo|d[eé]je(lo|la) en blanco|no lo s[eé])"
    r"\s*[.!]*\s*$"
)
_YES = re.compile(
    r"(?i)^\s*(y|ya|yes|yeah|yep|yup|yea|sure|ok|okay|k|correct|right|"
    r"confirm|affirmative|absolutely|of course|please do|do it|go ahead|"
    r"that'?s right|that'?s correct|looks good|yes please|si|sí|claro|correcto|de acuerdo|"
    r"por supuesto|est[aá] bien|as[ií] es|eso es|exacto|perfecto|adelante|dale|"
    r"h[aá]galo|con gusto)\b"
)
_NO = re.compile(
    r"(?i)^\s*(n|no|nope|nah|negative|not really|wrong|incorrect|don'?t|negativo|para nada|"
    r"mejor no|todav[ií]a no|a[uú]n no|incorrecto|est[aá] mal)\b"
)


def is_skip(text: str) -> bool:
    """True when the answer means "skip this optional question"."""
    return bool(_SKIP.match(text or ""))


def parse_yes_no(text: str, intent: str | None = None) -> bool | None:
    """Interpret an answer to a yes/no question from the intent or the words."""
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    if _YES.match(text or ""):
        return True
    if _NO.match(text or ""):
        return False
    return None


# --- corrections -----------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """ "Actually it's NEW, not OLD": ``field`` is set when the resident named one."""

    new: str
    old: str | None = None
    field: str | None = None


_FIELDS = {
    "address": "location",
    "location": "location",
    "street": "location",
    "place": "location",
    "email": "contact_email",
    "e-mail": "contact_email",
    "phone": "contact_phone",
    "number": "contact_phone",
    "name": "contact_name",
    "description": "description",
    # Spanish, as the assistant's Spanish "what should I change?" suggests.
    "direccion": "location",
    "ubicacion": "location",
    "calle": "location",
    "lugar": "location",
    "correo": "contact_email",
    "correo electronico": "contact_email",
    "telefono": "contact_phone",
    "numero": "contact_phone",
    "nombre": "contact_name",
    "descripcion": "description",
}
_CORRECTION_LEAD = (
    r"(?i)^\s*(?:actually|sorry|oops|correction|i meant|no wait|wait|my bad|change|"
    r"en realidad|perd[oó]n|correcci[oó]n|quise decir|me equivoqu[eé]|mejor dicho|"
    r"cambie|cambiar)\b[\s,:;-]*"
)
_ACCENTS = str.maketrans("áéíóú", "aeiou")


def parse_correction(text: str) -> Correction | None:
    """Recognise a correction: "actually it's 125, not 123", "I meant Oak St not Elm St",
    "correction: the address is 130 Boulevard SE", "change the email to a@b.co".
    """
    text = (text or "").strip()
    lead = re.match(_CORRECTION_LEAD, text)
    pair = re.search(
        r"(?i)^(?:.*?\b(?:it'?s|it is|is|was|meant|should be|to)\s+)?(.+?),?\s+not\s+(.+?)[.!]*$",
        re.sub(_CORRECTION_LEAD, "", text),
    )
    # Without "actually"/"I meant" only a "X, not Y" with digits or a comma counts,
    # so "it is not working" is not taken for a correction.
    if pair and (
        lead
        or ", not" in text
        or (re.search(r"\d", pair.group(1)) and re.search(r"\d", pair.group(2)))
    ):
        new, old = pair.group(1).strip(" ,."), pair.group(2).strip(" ,.")
        new = re.sub(r"(?i)^(it'?s|it is|the \w+ is)\s+", "", new)
        if new and old and len(old) <= 80:
            return Correction(new, old)
    if lead:
        rest = text[lead.end() :]
        named = re.match(
            r"(?i)(?:the\s+|my\s+|la\s+|el\s+|mi\s+)?(address|location|street|place|e-?mail|"
            r"phone|number|name|description|direcci[oó]n|ubicaci[oó]n|calle|lugar|"
            r"correo(?: electr[oó]nico)?|tel[eé]fono|n[uú]mero|nombre|descripci[oó]n)\s+"
            r"(?:is|should be|to|es|debe ser|a|por|=|:)?\s*(.+)$",
            rest,
        )
        if named:
            key = named.group(1).lower().replace("e-mail", "email").translate(_ACCENTS)
            return Correction(named.group(2).strip(" ."), None, _FIELDS.get(key))
    return None


def apply_correction(value: str, correction: Correction) -> str | None:
    """Return ``value`` with the corrected part replaced, or None when OLD is not in it."""
    if not value or not correction.old:
        return None
    pattern = re.compile(rf"(?i)(?<![\w]){re.escape(correction.old)}(?![\w])")
    if not pattern.search(value):
        return None
    return pattern.sub(correction.new, value, count=1)


# --- emergencies and other words -------------------------------------------

def mentions_emergency(text: str) -> bool:
    """True when the words describe an emergency that needs 911, whatever else is said
    (the curated cues of config/emergency.yml, see bot.actions.emergency)."""
    return detect(text or "") is not None


_WEEKDAYS = {
    "monday": "mon|lunes",
    "tuesday": "tue|tues|martes",
    "wednesday": "wed|weds|mi[eé]rcoles",
    "thursday": "thu|thur|thurs|jueves",
    "friday": "fri|viernes",
    "saturday": "sat|s[aá]bado",
    "sunday": "sun|domingo",
}


def find_weekday(text: str) -> str | None:
    """Return the weekday named in ``text`` ("thurs" counts) as a lower-case full name."""
    for day, short in _WEEKDAYS.items():
        if re.search(rf"(?i)\b(?:{day}|{short})\b\.?", text or ""):
            return day
    return None
