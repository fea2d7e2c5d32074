"""Locations residents give, typed or spoken, in English and Spanish.

``find_place`` picks a location out of free text and writes it as an agent
would: a house number and street ("twelve oh five peachtree street northeast"
-> "1205 Peachtree St NE"), an intersection ("Ponce and Monroe" -> "Ponce de
Leon Ave NE & Monroe Dr NE"), a street with a landmark ("by the Kroger on
Moreland" -> "Moreland Ave near the Kroger"), a named place from the gazetteer
("Five Points" -> "Five Points Station, 30 Alabama St SW" with lat/long) or a
bare street ("the hydrant on Highland Ave" -> "Highland Ave NE").
``find_address`` is the same as a string; ``check_address`` validates the
answer to "Where is it?" and questions one that names another city or state.
Street names are completed from the gazetteer (``bot.actions.places``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import usaddress

from bot.actions import places as gazetteer_module
from bot.actions.city import local_city, state_spellings
from bot.actions.places import STREET_TYPES, Street

_SUFFIXES = STREET_TYPES
_QUADRANTS = {
    "ne": "NE",
    "nw": "NW",
    "se": "SE",
    "sw": "SW",
    "northeast": "NE",
    "northwest": "NW",
    "southeast": "SE",
    "southwest": "SW",
    "noreste": "NE",
    "noroeste": "NW",
    "sureste": "SE",
    "sudeste": "SE",
    "suroeste": "SW",
    "sudoeste": "SW",
}
_HALF_QUADRANTS = {
    "n": "N",
    "north": "N",
    "s": "S",
    "south": "S",
    "e": "E",
    "east": "E",
    "w": "W",
    "west": "W",
}
_PREDIRECTIONS = {
    "n": "N",
    "north": "N",
    "s": "S",
    "south": "S",
    "e": "E",
    "east": "E",
    "w": "W",
    "west": "W",
}
# Spanish words before a street name, with the type they imply when the gazetteer has none.
_SPANISH_TYPES = {
    "calle": "St",
    "avenida": "Ave",
    "av": "Ave",
    "avda": "Ave",
    "carretera": "Hwy",
    "camino": "Rd",
    "bulevar": "Blvd",
}
# Words that are never part of a street's name.
_STOP = set(
    "the a an my our your his her their its this that these those on at in of by near to for "
    "from with and or is was are were be been being has have had there here it i we you they "
    "he she me us them no not up down out off over under side end middle corner front back "
    "same other every each some any all whole entire next across behind beside outside "
    "since until till after before about around again still just also very really "
    "please thanks thank hi hello hey help can could would should will wont won't "
    "when where what which who why how today yesterday tomorrow now then ago week weeks "
    "day days month months year years time times morning night evening "
    "monday tuesday wednesday thursday friday saturday sunday "
    "el la los las lo mi mis su sus tu nuestra nuestro nuestras nuestros en de del al y o "
    "un una unos unas esta este esa ese estas estos es hay por para con sin que cerca frente "
    "lado junto detras detrás delante esquina enfrente desde hace".split()
)
_PREPOSITIONS = {
    "on",
    "along",
    "down",
    "up",
    "at",
    "in",
    "onto",
    "off",
    "en",
    "sobre",
    "por",
    "of",
    "de",
    "del",
    "to",
    "from",
    "a",
    "al",
}
# A gazetteer name followed by one of these is something else ("Memorial Day", "Piedmont Hospital").
_NOT_A_STREET_NEXT = set(
    "day county hospital university college park station school church mall center centre "
    "high elementary middle heights village apartments apartment plaza amphitheatre "
    "amphitheater market stadium library zoo hills commons crossing square".split()
)
_CONNECTORS = {
    "and": "and",
    "&": "and",
    "@": "at",
    "y": "and",
    "con": "and",
    "meets": "meets",
    "crosses": "meets",
    "cruza": "meets",
    "at": "at",
    "x": "and",
}
_STRONG_CUES = [
    ("corner", "of"),
    ("intersection", "of"),
    ("esquina", "de"),
    ("esquina", "del"),
    ("cruce", "de"),
    ("interseccion", "de"),
    ("intersección", "de"),
    ("where",),
    ("donde",),
    ("between",),
    ("entre",),
]
_RELATIONS = {
    ("near",): "near",
    ("by",): "near",
    ("close", "to"): "near",
    ("next", "to"): "next to",
    ("beside",): "next to",
    ("in", "front", "of"): "in front of",
    ("across", "from"): "across from",
    ("across", "the", "street", "from"): "across from",
    ("opposite",): "across from",
    ("behind",): "behind",
    ("cerca", "de"): "near",
    ("cerca", "del"): "near|el",
    ("frente", "a"): "in front of",
    ("frente", "al"): "in front of|el",
    ("enfrente", "de"): "in front of",
    ("enfrente", "del"): "in front of|el",
    ("delante", "de"): "in front of",
    ("delante", "del"): "in front of|el",
    ("al", "lado", "de"): "next to",
    ("al", "lado", "del"): "next to|el",
    ("junto", "a"): "next to",
    ("junto", "al"): "next to|el",
    ("detras", "de"): "behind",
    ("detrás", "de"): "behind",
    ("detras", "del"): "behind|el",
    ("detrás", "del"): "behind|el",
}
_ARTICLES = {
    "the": "the",
    "la": "the",
    "el": "the",
    "los": "the",
    "las": "the",
    "a": "a",
    "an": "an",
    "un": "a",
    "una": "a",
}
_NOT_A_LANDMARK = set(
    "way time end moment morning night weekend day week side road street house home".split()
)
_SPANISH_NOUNS = {
    "iglesia": "church",
    "escuela": "school",
    "parque": "park",
    "tienda": "store",
    "biblioteca": "library",
    "gasolinera": "gas station",
    "puente": "bridge",
    "hospital": "hospital",
    "casa": "house",
    "mercado": "market",
    "supermercado": "grocery store",
    "farmacia": "pharmacy",
    "restaurante": "restaurant",
    "estacion": "station",
    "estación": "station",
    "parada": "stop",
    "semaforo": "traffic light",
    "semáforo": "traffic light",
    "colegio": "school",
    "correo": "post office",
    "banco": "bank",
    "lavanderia": "laundromat",
    "lavandería": "laundromat",
    "clinica": "clinic",
    "clínica": "clinic",
    "cancha": "court",
    "edificio": "building",
    "apartamentos": "apartments",
}
_VAGUE = {
    "here",
    "there",
    "my house",
    "my street",
    "our street",
    "the street",
    "my road",
    "my block",
    "home",
    "outside",
    "idk",
    "dont know",
    "i don't know",
    "not sure",
    "somewhere",
    "near me",
    "around here",
    "mi casa",
    "mi calle",
    "aqui",
    "aquí",
    "no se",
    "no sé",
}
# Small words that can be part of a place described in words ("behind the old mill").
_PLACE_WORDS = set(
    "the a an of at near by on in behind next to across from end corner side back front "
    "de del la el los las en cerca frente a al lado junto detras detrás y and".split()
)
_NUMBER_GUARDS = {
    "case",
    "number",
    "no",
    "num",
    "apt",
    "apartment",
    "unit",
    "suite",
    "ste",
    "route",
    "hwy",
    "highway",
    "interstate",
    "i",
    "exit",
    "call",
    "phone",
    "tel",
    "caso",
    "numero",
    "número",
    "apartamento",
    "ref",
    "ticket",
    "bus",
}

# --- spoken house numbers ------------------------------------------------------

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "cero": 0,
    "uno": 1,
    "un": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "dieciseis": 16,
    "dieciséis": 16,
    "diecisiete": 17,
    "dieciocho": 18,
    "diecinueve": 19,
    "veintiuno": 21,
    "veintiun": 21,
    "veintidos": 22,
    "veintidós": 22,
    "veintitres": 23,
    "veintitrés": 23,
    "veinticuatro": 24,
    "veinticinco": 25,
    "veintiseis": 26,
    "veintiséis": 26,
    "veintisiete": 27,
    "veintiocho": 28,
    "veintinueve": 29,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "veinte": 20,
    "treinta": 30,
    "cuarenta": 40,
    "cincuenta": 50,
    "sesenta": 60,
    "setenta": 70,
    "ochenta": 80,
    "noventa": 90,
}
_HUNDREDS_ES = {
    "cien": 100,
    "ciento": 100,
    "doscientos": 200,
    "trescientos": 300,
    "cuatrocientos": 400,
    "quinientos": 500,
    "seiscientos": 600,
    "setecientos": 700,
    "ochocientos": 800,
    "novecientos": 900,
}
_SCALES = {"hundred": 100, "thousand": 1000, "mil": 1000}
_ZERO_INSIDE = {"oh", "o"}
_NUMBER_WORDS = set(_UNITS) | set(_TEENS) | set(_TENS) | set(_HUNDREDS_ES) | set(_SCALES)


def _spoken_number(run: list[str]) -> str | None:
    """Digits for a run of number words: "twenty one forty two" -> "2142",
    "twelve oh five" -> "1205", "seven hundred and five" -> "705",
    "dos mil ciento cuarenta y dos" -> "2142"."""
    words = [w for w in run if w not in ("and", "y")]
    if any(w in _SCALES or w in _HUNDREDS_ES for w in words):
        total = current = 0
        for w in words:
            if w in _SCALES and _SCALES[w] == 100:
                current = (current or 1) * 100
            elif w in _SCALES:
                total += (current or 1) * 1000
                current = 0
            elif w in _HUNDREDS_ES:
                current += _HUNDREDS_ES[w]
            elif w in _ZERO_INSIDE:
                continue
            else:
                current += _UNITS.get(w, _TEENS.get(w, _TENS.get(w, 0)))
        return str(total + current)
    # Spoken in pairs or digit by digit: each group is written as said.
    out, i = "", 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w in _TENS and nxt in _UNITS and _UNITS[nxt] > 0:
            out += str(_TENS[w] + _UNITS[nxt])
            i += 2
        elif w in _TENS:
            out += str(_TENS[w])
            i += 1
        elif w in _TEENS:
            out += str(_TEENS[w])
            i += 1
        elif w in _ZERO_INSIDE or w in ("zero", "cero"):
            out += "0"
            i += 1
        else:
            out += str(_UNITS[w])
            i += 1
    return out


def _is_number_word(tokens: list[str], i: int, in_run: bool) -> bool:
    w = tokens[i]
    if w in _NUMBER_WORDS:
        # "una"/"un" alone are articles ("una iglesia"), not numbers.
        return (
            in_run
            or w not in ("un", "una", "uno")
            or (i + 1 < len(tokens) and tokens[i + 1] in _NUMBER_WORDS)
        )
    if not in_run:
        return False
    if w in _ZERO_INSIDE:
        return i + 1 < len(tokens) and tokens[i + 1] in _UNITS
    if w in ("and", "y"):
        # "seven hundred and five", "cuarenta y dos": a joiner only between number words.
        prev, nxt = tokens[i - 1], tokens[i + 1] if i + 1 < len(tokens) else ""
        return (prev in _SCALES or prev in _HUNDREDS_ES or prev in _TENS) and (
            nxt in _UNITS or nxt in _TEENS or nxt in _TENS
        )
    return False


# --- tokens --------------------------------------------------------------------


@dataclass
class _Tok:
    low: str
    orig: str
    spoken: bool = False  # a number converted from words


def _clean(text: str) -> str:
    text = re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", " ", text)  # twenty-one, Ponce-de-Leon
    text = re.sub(r"(?<![\w-])(\d{1,5})-[A-Za-z]?\d{0,4}\b(?!-)", r"\1", text)  # 412-B, 412-414
    text = re.sub(r"\b([A-Za-z])\.(?=\s*[A-Za-z]\.)", r"\1", text)  # n.e. -> ne.
    text = re.sub(r"\b([A-Za-z]{1,4})\.", r"\1", text)  # St. Ave. NE.
    # Unit and apartment noise: "apt 4", "unit 2B", "#4", "apto 3".
    text = re.sub(
        r"(?i)[,\s]*\b(?:apt|apartment|unit|suite|ste|apto|apartamento|depto|departamento)"
        r"\.?\s*#?\s*[\w-]+",
        " ",
        text,
    )
    text = re.sub(r"(?<=[A-Za-z])\s*#\s*[\w-]+", " ", text)
    # Spanish word order: "el 412 de Boulevard SE" is 412 Boulevard SE, "el parque
    # Piedmont" the gazetteer's Piedmont Park ("parque de bomberos" is no park name).
    text = re.sub(r"(?i)\b(\d{1,6})\s+de\s+(?:la\s+|el\s+)?(?=[a-z])", r"\1 ", text)
    text = re.sub(r"(?i)\bparque\s+(?!(?:de|del|la|el|en|y|que|con|para)\b)([a-z][\w']*)",
                  r"\1 park", text)
    return text.replace("#", " ")


def _tokens(text: str) -> list[_Tok]:
    found = re.findall(r"[A-Za-z0-9áéíóúñüÁÉÍÓÚÑÜ]+(?:'[A-Za-z]+)?|[&@]|[.,;:!?()/]", text)
    return [_Tok(t.lower(), t) for t in found]


def _with_spoken_numbers(toks: list[_Tok]) -> list[_Tok]:
    low = [t.low for t in toks]
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        j = i
        while j < len(toks) and _is_number_word(low, j, j > i):
            j += 1
        if j > i:
            digits = _spoken_number(low[i:j])
            out.append(_Tok(digits or "", digits or "", spoken=True))
            i = j
            # "cuatrocientos doce de boulevard": Spanish puts "de (la)" before the street.
            if i + 1 < len(toks) and low[i] == "de" and low[i + 1] not in _NUMBER_WORDS:
                i += 2 if low[i + 1] in ("la", "el") and i + 2 < len(toks) else 1
        else:
            out.append(toks[i])
            i += 1
    return out


# --- streets -------------------------------------------------------------------


@dataclass
class _StreetPart:
    start: int
    end: int
    known: Street | None
    words: list[str]
    type: str | None
    quadrant: str | None
    strength: str  # known | typed | ordinal | word
    capitalised: bool = False

    def text(self, quadrant: str | None = None, address: bool = False) -> str:
        if self.known:
            if address:  # a house number decides the quadrant: never guess it
                return f"{self.known.name} {self.quadrant}" if self.quadrant else self.known.name
            return self.known.full(self.quadrant or quadrant)
        parts = [*self.words, *([self.type] if self.type else [])]
        if self.quadrant:
            parts.append(self.quadrant)
        return " ".join(parts)


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _quadrant_at(lows: list[str], k: int) -> tuple[str | None, int]:
    if k < len(lows) and lows[k] in _QUADRANTS:
        return _QUADRANTS[lows[k]], k + 1
    if (
        k + 1 < len(lows)
        and lows[k] in ("n", "north", "s", "south")
        and lows[k + 1] in ("e", "east", "w", "west")
    ):
        return _HALF_QUADRANTS[lows[k]] + _HALF_QUADRANTS[lows[k + 1]], k + 2
    return None, k


def _nameable(tok: _Tok) -> bool:
    low = tok.low
    if re.fullmatch(r"\d{1,3}(?:st|nd|rd|th)", low):
        return True
    return (
        low.isalpha()
        and len(low) > 1
        and low not in _STOP
        and low not in STREET_TYPES
        and low not in _QUADRANTS
        and low not in _NUMBER_WORDS
    )


def _street_at(toks: list[_Tok], i: int, loose: bool = False) -> _StreetPart | None:
    """The street named at ``toks[i]``, from the gazetteer or by its shape."""
    n = len(toks)
    lows = [t.low for t in toks]
    start = i
    if i + 1 < n and lows[i] in ("la", "el", "the") and lows[i + 1] in _SPANISH_TYPES:
        i += 1
    hint = None
    if i + 1 < n and lows[i] in _SPANISH_TYPES:
        hint = _SPANISH_TYPES[lows[i]]
        i += 1
    if i >= n:
        return None
    gaz = gazetteer_module.gazetteer()
    probe = lows
    if hint and lows[i].isdigit() and len(lows[i]) <= 3:
        # "calle 10" -> "10th St"
        probe = lows[:i] + [_ordinal(int(lows[i]))] + lows[i + 1 :]
    hit = gaz.street_at(probe, i, loose)
    if hit:
        street, end = hit
        said_type = probe[end - 1] in STREET_TYPES or not street.type
        # "Boulevard Dr NE" is another street than the typeless "Boulevard".
        conflict = not street.type and end < n and lows[end] in STREET_TYPES
        if not said_type and end < n and lows[end] in STREET_TYPES:
            if STREET_TYPES[lows[end]] == street.type:
                end += 1
            else:
                conflict = True  # "Peachtree Walk": another street than the gazetteer's
        if conflict and not street.type:
            quadrant, k = _quadrant_at(lows, end + 1)
            return _StreetPart(
                start, k, None, [street.name], STREET_TYPES[lows[end]], quadrant, "typed",
                toks[i].orig[:1].isupper(),
            )
        if not conflict:
            quadrant, end = _quadrant_at(lows, end)
            bare_ok = street.bare or any(w in STREET_TYPES for w in probe[i:end])
            strength = "ordinal" if re.match(r"\d", probe[i]) else "known"
            if not bare_ok and strength == "known":
                strength = "word"
            return _StreetPart(
                start, end, street, [], None, quadrant, strength, toks[i].orig[:1].isupper()
            )
    k = i
    words: list[str] = []
    if hint and lows[k].isdigit() and len(lows[k]) <= 3:
        words, k = [_ordinal(int(lows[k]))], k + 1
    else:
        if lows[k] in _PREDIRECTIONS and k + 1 < n and _nameable(toks[k + 1]):
            words, k = [_PREDIRECTIONS[lows[k]]], k + 1
        while k < n and len(words) < 4 and _nameable(toks[k]):
            words.append(toks[k].low if re.match(r"\d", toks[k].low) else _cap(toks[k].orig))
            k += 1
    if not words or words[-1] in _PREDIRECTIONS.values():
        return None
    typ = None
    if k < n and lows[k] in STREET_TYPES:
        typ, k = STREET_TYPES[lows[k]], k + 1
    elif hint:
        typ = hint
    quadrant, k = _quadrant_at(lows, k)
    if typ:
        strength = "typed"
    elif len(words) == 1 and re.match(r"\d", words[0]):
        strength = "ordinal"
    else:
        strength = "word"
    capitalised = all(t.orig[:1].isupper() or t.orig[:1].isdigit() for t in toks[i:k])
    return _StreetPart(start, k, None, words, typ, quadrant, strength, capitalised)


def _resolve(a: _StreetPart, b: _StreetPart) -> tuple[str | None, str | None]:
    """The quadrant of each cross street when the pair settles it (14th & Spring: NW)."""

    def options(part: _StreetPart) -> tuple[str, ...]:
        if part.quadrant:
            return (part.quadrant,)
        return part.known.quadrants if part.known else ()

    qa, qb = options(a), options(b)
    common = set(qa) & set(qb)
    if len(common) == 1:
        only = common.pop()
        return only, only
    return (qa[0] if len(qa) == 1 else None), (qb[0] if len(qb) == 1 else None)


# --- places --------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A location as an agent would write it.

    ``kind`` is "address" (house number and street), "intersection", "landmark"
    (a street and something near it), "named_place" (from the gazetteer, with
    ``lat``/``long`` and its street ``address``) or "street" (a street alone).
    """

    value: str
    kind: str
    lat: float | None = None
    long: float | None = None
    address: str | None = None


def _named(place) -> Place:
    value = f"{place.name}, {place.address}" if place.address else place.name
    return Place(value, "named_place", place.lat, place.long, place.address or None)


def _find_numbered(toks: list[_Tok]) -> Place | None:
    for i, tok in enumerate(toks):
        if not re.fullmatch(r"[1-9]\d{0,4}[a-z]?", tok.low):
            continue
        prev = toks[i - 1].low if i else ""
        if prev in _NUMBER_GUARDS or prev.isdigit() or prev in (":", "/"):
            continue
        if i + 1 < len(toks) and (toks[i + 1].low.isdigit() or toks[i + 1].low in ("/", ":")):
            continue
        street = _street_at(toks, i + 1)
        if street and (street.strength in ("known", "typed") or street.quadrant):
            number = tok.low.upper() if tok.low[-1:].isalpha() else tok.low
            return Place(f"{number} {street.text(address=True)}", "address")
    return None


def _cue_before(lows: list[str], i: int) -> bool:
    return any(i - len(cue) >= 0 and tuple(lows[i - len(cue) : i]) == cue for cue in _STRONG_CUES)


def _find_intersection(toks: list[_Tok], answer: bool) -> Place | None:
    lows = [t.low for t in toks]
    gaz = gazetteer_module.gazetteer()
    strong = ("known", "typed", "ordinal")
    for i in range(len(toks)):
        left = _street_at(toks, i, loose=True)
        if not left or left.end >= len(toks) or lows[left.end] not in _CONNECTORS:
            continue
        if left.strength == "word" and any(
            gaz.street_at(lows, p) for p in range(left.start + 1, left.end)
        ):
            continue  # "Pothole Ponce and Monroe": the street starts later
        connector = lows[left.end]
        right = _street_at(toks, left.end + 1, loose=True)
        if not right:
            continue
        cue = (
            _cue_before(lows, left.start)
            or (left.start == 0 and connector in ("and", "&", "y"))
            and answer
        )
        prep = left.start > 0 and lows[left.start - 1] in ("at", "on", "en", "off")
        both = left.strength in strong and right.strength in strong
        one = left.strength in strong or right.strength in strong
        if connector in ("at", "@") and not both:
            continue
        if connector == "at" and not (left.known and right.known):
            continue
        if not (
            both
            or (one and (cue or prep or connector in ("&", "@", "meets") or answer))
            or (
                (cue or prep or connector in ("&", "meets"))
                and (cue or answer or (left.capitalised and right.capitalised))
            )
        ):
            continue
        if right.strength == "word" and len(right.words) > 1:
            # "edgewood and jackson never turns green": only the cross street's own word
            right.words = right.words[: 2 if right.capitalised else 1]
        qa, qb = _resolve(left, right)
        return Place(f"{left.text(qa)} & {right.text(qb)}", "intersection")
    return None


def _relation_at(lows: list[str], i: int) -> tuple[str, bool, int] | None:
    for size in (4, 3, 2, 1):
        rel = _RELATIONS.get(tuple(lows[i : i + size]))
        if rel:
            english, _, implied = rel.partition("|")
            return english, bool(implied), i + size
    return None


def _landmark_at(toks: list[_Tok], i: int, implied_article: bool) -> tuple[str, int] | None:
    """ "the church", "la iglesia" -> ("the church", end), a named place, or a typed name."""
    lows = [t.low for t in toks]
    gaz = gazetteer_module.gazetteer()
    named = gaz.place_in(lows[i : i + gaz.longest])
    if named and named[1] == 0:
        return named[0].name, i + named[2]
    spanish = implied_article
    if implied_article:
        article = "the"
    elif i < len(toks) and lows[i] in _ARTICLES:
        article, spanish = _ARTICLES[lows[i]], lows[i] in ("la", "el", "los", "las", "un", "una")
        i += 1
    elif i < len(toks) and toks[i].orig[:1].isupper():
        article = ""
    else:
        return None
    nouns: list[str] = []
    while i < len(toks) and len(nouns) < 3 and toks[i].low.isalpha() and toks[i].low not in _STOP:
        if toks[i].low in STREET_TYPES and nouns:
            return None  # "the hydrant on Elm Street": a street, not a landmark
        low = toks[i].low
        nouns.append(_SPANISH_NOUNS.get(low, toks[i].orig) if spanish else toks[i].orig)
        i += 1
    if not nouns or lows[i - len(nouns)] in _NOT_A_LANDMARK:
        return None
    return " ".join([article, *nouns]).strip(), i


def _street_ok(toks: list[_Tok], street: _StreetPart, answer: bool) -> bool:
    """A street alone counts after "on"/"en"..., typed with its type, or as a whole answer."""
    lows = [t.low for t in toks]
    prev = lows[street.start - 1] if street.start else ""
    if street.end < len(toks) and lows[street.end] in _NOT_A_STREET_NEXT:
        return False
    if street.known and street.strength in ("known", "ordinal"):
        said_type = any(w in STREET_TYPES for w in lows[street.start : street.end])
        return said_type or prev in _PREPOSITIONS or street.start == 0 or answer
    if street.strength == "typed":
        return prev in _PREPOSITIONS or street.capitalised or (answer and street.start == 0)
    return False


def _find_landmark(toks: list[_Tok], answer: bool) -> Place | None:
    lows = [t.low for t in toks]
    for i in range(len(toks)):
        # "on Ralph McGill near the church"
        street = _street_at(toks, i)
        if street and _street_ok(toks, street, answer):
            rel = _relation_at(lows, street.end)
            if rel:
                landmark = _landmark_at(toks, rel[2], rel[1])
                if landmark:
                    return Place(f"{street.text()} {rel[0]} {landmark[0]}", "landmark")
        # "by the Kroger on Moreland", "frente a la iglesia en la calle Cascade"
        rel = _relation_at(lows, i)
        if rel:
            landmark = _landmark_at(toks, rel[2], rel[1])
            if landmark:
                k = landmark[1]
                if k < len(toks) and lows[k] in ("on", "along", "at", "en", "sobre", "of", "de"):
                    street = _street_at(toks, k + 1)
                    if street and _street_ok(toks, street, answer):
                        return Place(f"{street.text()} {rel[0]} {landmark[0]}", "landmark")
    return None


def _find_street(toks: list[_Tok], answer: bool) -> Place | None:
    for i in range(len(toks)):
        street = _street_at(toks, i)
        if street and _street_ok(toks, street, answer):
            return Place(street.text(), "street")
    return None


def find_place(text: str, answer: bool = False) -> Place | None:
    """The location inside ``text``, written as an agent would, or None.

    ``answer`` is True when the whole text answers "Where is it?": then a bare
    "ponce and monroe" or "highland" counts; inside a longer report only clear
    forms do ("on Highland Ave", "at Ponce and Monroe").
    """
    if not text or not text.strip():
        return None
    text = text[:500]
    gaz = gazetteer_module.gazetteer()
    raw = _tokens(_clean(text))
    raw_lows = [t.low for t in raw]
    named = gaz.place_in(raw_lows)
    if named and named[1] == 0:
        echoed = _named(named[0])
        if " ".join(raw_lows) == " ".join(t.low for t in _tokens(_clean(echoed.value))):
            return echoed  # our own value given back (the form re-validates it)
    toks = _with_spoken_numbers(raw)
    numbered = _find_numbered(toks)
    if numbered:
        if named and named[0].address and numbered.value == named[0].address:
            return _named(named[0])
        return numbered
    for finder in (_find_intersection, _find_landmark):
        found = finder(toks, answer)
        if found:
            return found
    if named:
        return _named(named[0])
    return _find_street(toks, answer)


def find_address(text: str) -> str | None:
    """The location inside a free-text report as a string (``find_place(text).value``)."""
    place = find_place(text)
    return place.value if place else None


# --- checking an answer --------------------------------------------------------


@dataclass(frozen=True)
class AddressCheck:
    """A checked location: ``value`` to file, or ``problem`` to tell the resident."""

    value: str | None
    kind: str = "address"  # a Place kind
    problem: str | None = None
    place: str | None = None  # the other city or state named, when that is the problem
    found: Place | None = None  # the place, with lat/long for a named place


def _normalise_street(parsed: dict[str, str]) -> str:
    parts = []
    for key in (
        "AddressNumber",
        "StreetNamePreDirectional",
        "StreetName",
        "StreetNamePostType",
        "StreetNamePostDirectional",
    ):
        value = parsed.get(key)
        if not value:
            continue
        value = value.strip(" .,")
        low = value.lower()
        if key == "StreetNamePostType" and low in _SUFFIXES:
            value = _SUFFIXES[low]
        elif key.endswith("Directional"):
            value = _QUADRANTS.get(low, value.upper() if len(value) <= 2 else value.capitalize())
        elif key == "StreetName":
            value = " ".join(w if re.match(r"\d", w) else _cap(w) for w in value.split())
        parts.append(value)
    return " ".join(parts)


def _covered(name: str, value: str) -> bool:
    """True when every word of ``name`` is part of the place found ("Monroe" in "Monroe Dr NE")."""
    found = set(gazetteer_module.words(value))
    return all(w in found for w in gazetteer_module.words(name))


def check_address(
    text: str, city_names: list[str] | tuple[str, ...] | None = None, state: str | None = None
) -> AddressCheck:
    """Check and normalise the answer to "Where is it?".

    Every form ``find_place`` knows is accepted, written as an agent would; a
    location that names another city or another state is returned with a
    problem rather than accepted; a vague answer ("here", "my street") or a
    long message with no place in it is "vague". The city's names and state
    default to the local catalog's ``city:`` block.
    """
    if city_names is None or state is None:
        city = local_city()
        city_names = city_names or city.get("city_names") or [city.get("name") or ""]
        state = state or str(city.get("state") or "")
    raw = " ".join((text or "").split()).strip(" .,!?")
    bare = re.sub(r"(?i)^(?:on|at|in|en|near|by)\s+", "", raw).lower()
    if len(raw) < 3 or bare in _VAGUE or raw.lower() in _VAGUE or not re.search(r"[A-Za-z]", raw):
        return AddressCheck(None, problem="vague")
    if len(raw) > 200:
        return AddressCheck(None, problem="too_long")
    found = find_place(raw, answer=True)
    try:
        tagged, kind = usaddress.tag(raw)
    except usaddress.RepeatedLabelError:
        tagged, kind = {}, "Ambiguous"
    cities = {c.lower() for c in city_names}
    other = (tagged.get("PlaceName") or "").strip(" ,.")
    state_name = (tagged.get("StateName") or "").strip(" ,.")
    if other and other.lower() not in cities and not (found and _covered(other, found.value)):
        return AddressCheck(None, problem="outside_city", place=other)
    if state_name and state_name.lower() not in state_spellings(state):
        if not (found and _covered(state_name, found.value)):
            return AddressCheck(None, problem="outside_city", place=state_name)
    if found:
        return AddressCheck(found.value, found.kind, found=found)
    if kind == "Street Address" and tagged.get("AddressNumber") and tagged.get("StreetName"):
        value = _normalise_street(tagged)
        if re.match(r"\d", value):
            return AddressCheck(value, "address", found=Place(value, "address"))
    # What is left is kept in the resident's words only when it reads like a
    # place ("behind the old mill"), not a sentence with no place in it.
    sentence = [w for w in gazetteer_module.words(raw) if w in _STOP and w not in _PLACE_WORDS]
    if len(raw.split()) > 6 or sentence or "n't" in raw.lower() or re.search(r"\d{6,}", raw):
        return AddressCheck(None, problem="vague")
    value = " ".join(_tidy_word(w) for w in raw.split())
    return AddressCheck(value, "landmark", found=Place(value, "landmark"))


def _tidy_word(word: str) -> str:
    low = word.lower().strip(",.")
    if low in ("ne", "nw", "se", "sw"):
        return low.upper()
    return word if re.match(r"\d", word) else _cap(word)


def _cap(word: str) -> str:
    """Capitalise a word the resident typed in one case; keep "McGill" as written."""
    return word.capitalize() if word.islower() or word.isupper() else word
