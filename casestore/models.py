"""Database tables of the case store.

SQLAlchemy 1.4 declarative models (Rasa pins SQLAlchemy <1.5, so no
``Mapped[]``/``mapped_column``); queries elsewhere use the 2.0 style
(``select()`` with ``Session.execute``). Departments and services are not
tables: the service catalog file is their single source of truth, and rows
refer to them by their stable codes.

Times are stored as timezone-aware UTC (``UtcDateTime``) so that SQLite and
PostgreSQL hand back the same values.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """A datetime that is always timezone-aware UTC on the way in and out.

    SQLite has no timezone type, so the value is stored naive in UTC and
    re-labelled on load; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.timezone.utc)


Base = declarative_base()

# Case statuses. "closed" is always paired with a close_reason.
STATUSES = ("new", "acknowledged", "in_progress", "waiting_for_resident", "closed")
OPEN_STATUSES = STATUSES[:-1]

CLOSE_REASONS = (
    "fixed",
    "duplicate",
    "not_city_responsibility",
    "no_action_needed",
    "could_not_locate",
    "withdrawn",
)

ACTIVITY_KINDS = (
    "opened",
    "acknowledged",
    "update",
    "inspection",
    "repair",
    "follow_up",
    "info_requested",
    "info_added",
    "reassigned",
    "status_changed",
    "closed",
    "reopened",
    "followed",  # a resident chose to follow this case instead of filing again
    "withdrawal_requested",  # the requester asked to withdraw (internal: their own words)
    "withdrawal_declined",  # staff kept the case open after a withdrawal request
    "made_public",  # staff published a resident's note or photo (internal log line)
    "made_private",  # staff took a resident's note or photo off the public view again
)

CHANNELS = (
    "webchat",
    "sms",
    "whatsapp",
    "voice",
    "telegram",
    "messenger",
    "web_form",
    "open311",
    "phone_agent",
    "fax",
    "walk_in",
    "live_chat",
)

STAFF_ROLES = ("agent", "department", "supervisor", "admin")

# The language a row gets when nothing chose one. The case service layer always sets
# the catalog's default (``casestore.i18n.default_language``); this constant is only
# the fallback for rows written without it, and what migration 0006 gave older cases,
# which were all served in English.
FALLBACK_LANGUAGE = "en"

# Where a case's coordinates came from (cases.location_source).
LOCATION_SOURCES = ("resident_pin", "device", "geocoder", "open311", "channel")
GEOCODE_PENDING = "lat IS NULL AND geocoded_at IS NULL AND address IS NOT NULL"


class CaseCounter(Base):
    """Last case sequence number issued per two-digit year (``YYNNNNNN``)."""

    __tablename__ = "case_counters"

    year = Column(Integer, primary_key=True)
    last = Column(Integer, nullable=False, default=0)


class Case(Base):
    """One resident request. ``number`` is the public id (Open311 service_request_id)."""

    __tablename__ = "cases"

    id = Column(Integer, primary_key=True)
    number = Column(String(8), nullable=False, unique=True)
    service_code = Column(String(64), nullable=False)
    department = Column(String(32), nullable=False)
    status = Column(String(32), nullable=False, default="new")
    description = Column(Text, nullable=False, default="")

    address = Column(String(300))  # as the resident gave it
    address_normalized = Column(String(300))  # usaddress-normalised, upper case; matching key
    lat = Column(Float)
    long = Column(Float)
    # Who gave lat/long (migration 0007): one of LOCATION_SOURCES, empty on older rows.
    location_source = Column(String(20))
    geocoded_at = Column(UtcDateTime)  # when the geocode job looked the address up (0007)

    attributes = Column(JSON, nullable=False, default=dict)  # {attribute code: value or [values]}
    media_urls = Column(JSON, nullable=False, default=list)
    # Photo numbers (1 = media_urls[0]) staff made public (migration 0005); the rest stay private.
    public_media = Column(JSON, nullable=False, default=list)
    channel = Column(String(32), nullable=False)
    # The resident's language (ISO 639-1, one of the catalog's): notices, emails and the
    # case's pages speak it (migration 0006).
    language = Column(String(8), nullable=False, default=FALLBACK_LANGUAGE)

    # Private: never in a public response, a public page or a log line.
    requester_name = Column(String(200))
    requester_email = Column(String(320))
    requester_phone = Column(String(32))  # E.164
    requester_address = Column(String(200))  # channel address, e.g. "sms:+14045550123"

    # A replay key is unique per caller (migration 0004): ``service``, ``staff:<id>``,
    # ``api-key:<id>`` or ``live-chat``; the fingerprint is the sha256 of the first body.
    idempotency_key = Column(String(200))
    idempotency_scope = Column(String(64))
    idempotency_fingerprint = Column(String(64))
    open311_token = Column(String(64), unique=True)  # for Open311 tokens/<token>
    api_key_id = Column(Integer, ForeignKey("api_keys.id"))

    duplicate_of_id = Column(Integer, ForeignKey("cases.id"))
    close_reason = Column(String(32))
    closure_comments = Column(Text)
    referred_to = Column(String(200))  # who is responsible when not the City
    # Set while the requester's withdrawal request waits for the department (migration 0003).
    withdrawal_requested_at = Column(UtcDateTime)

    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    updated_at = Column(UtcDateTime, nullable=False, default=utcnow)
    expected_at = Column(UtcDateTime)
    closed_at = Column(UtcDateTime)

    activities = relationship(
        "Activity", back_populates="case", order_by="Activity.id", cascade="all, delete-orphan"
    )
    followers = relationship("Follower", back_populates="case", cascade="all, delete-orphan")
    duplicate_of = relationship("Case", remote_side=[id])

    __table_args__ = (
        Index("ix_cases_status_created", "status", "created_at"),
        Index("ix_cases_service_status", "service_code", "status"),
        Index("ix_cases_department_status", "department", "status"),
        Index("ix_cases_updated_at", "updated_at"),
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_address_normalized", "address_normalized"),
        Index("ix_cases_requester_email", "requester_email"),
        Index("ix_cases_lat_long", "lat", "long"),
        # The geocode job's queue (migration 0007): typed addresses not yet looked up.
        Index("ix_cases_geocode_pending", "id", sqlite_where=sql_text(GEOCODE_PENDING),
              postgresql_where=sql_text(GEOCODE_PENDING)),
        UniqueConstraint("idempotency_scope", "idempotency_key",
                         name="uq_cases_idempotency_scope_key"),
    )


class Activity(Base):
    """One append-only timeline entry on a case."""

    __tablename__ = "activities"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    kind = Column(String(32), nullable=False)
    note = Column(Text, nullable=False, default="")
    public = Column(Boolean, nullable=False, default=True)
    # "staff" (author_id -> staff_users.id), "resident", "system", "service" (assistant/channels)
    author_type = Column(String(16), nullable=False)
    author_id = Column(Integer)
    author_name = Column(String(200), nullable=False)  # a display name safe to show publicly
    data = Column(JSON, nullable=False, default=dict)  # kind-specific: reason, from/to dept...
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    # When staff published a resident's words (migration 0005): only then is their note public.
    published_at = Column(UtcDateTime)

    case = relationship("Case", back_populates="activities")


class Follower(Base):
    """Someone besides the requester who gets this case's notices."""

    __tablename__ = "followers"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    email = Column(String(320))
    phone = Column(String(32))
    channel_address = Column(String(200))
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)

    case = relationship("Case", back_populates="followers")


class OutboxMessage(Base):
    """A notice to deliver, written in the same transaction as the change behind it."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id"), index=True)
    event = Column(String(32), nullable=False)  # opened, closed, info_requested, reassigned...
    transport = Column(String(16), nullable=False)  # email, sms, whatsapp, telegram, messenger
    recipient = Column(String(320), nullable=False)
    payload = Column(JSON, nullable=False, default=dict)
    status = Column(String(16), nullable=False, default="pending")  # pending, sent, dead
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UtcDateTime, nullable=False, default=utcnow)
    last_error = Column(String(500))
    # Makes the same notice impossible to queue twice (event + case + recipient).
    dedupe_key = Column(String(400), unique=True)
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    sent_at = Column(UtcDateTime)

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)


class OptOut(Base):
    """A channel address that replied STOP: no messages until START."""

    __tablename__ = "opt_outs"

    channel_address = Column(String(200), primary_key=True)
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)


class StaffUser(Base):
    """A City employee: agent, department staff, supervisor or admin."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    email = Column(String(320), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    password_hash = Column(String(200), nullable=False)
    role = Column(String(16), nullable=False)
    department = Column(String(32))  # required for role "department"
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    password_changed_at = Column(UtcDateTime)


class StaffToken(Base):
    """A bearer token a staff user presents to /api/v1 (stored hashed)."""

    __tablename__ = "staff_tokens"

    id = Column(Integer, primary_key=True)
    staff_user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)  # sha256 hex
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    revoked_at = Column(UtcDateTime)

    staff_user = relationship("StaffUser")


class ApiKey(Base):
    """An Open311 api_key for an outside application (stored hashed)."""

    __tablename__ = "api_keys"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    key_hash = Column(String(64), nullable=False, unique=True)  # sha256 hex
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    revoked_at = Column(UtcDateTime)


class Resident(Base):
    """A resident's account; cases filed with its confirmed email show on its Case Status tab."""

    __tablename__ = "residents"

    id = Column(Integer, primary_key=True)
    email = Column(String(320), nullable=False, unique=True)
    password_hash = Column(String(200), nullable=False)
    email_confirmed_at = Column(UtcDateTime)
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    # The account's language (migration 0006); None until the resident chooses one on
    # /account or files a first case with this email, which then sets it.
    language = Column(String(8))


class LiveChat(Base):
    """A conversation handed to a human agent (live chat issue)."""

    __tablename__ = "live_chats"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(200), nullable=False)  # the Rasa sender id, e.g. "sms:+1404..."
    channel = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, default="waiting")  # waiting, active, ended
    agent_id = Column(Integer, ForeignKey("staff_users.id"))
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    taken_at = Column(UtcDateTime)
    ended_at = Column(UtcDateTime)

    # Added by the live chat routing (migration 0002_live_chat).
    reason = Column(String(16), nullable=False, default="asked")  # asked, stuck
    transcript = Column(JSON, nullable=False, default=list)  # [{"role", "text"}] from the tracker
    details = Column(JSON, nullable=False, default=dict)  # slot values the assistant gathered
    end_reason = Column(String(32))  # agent, timeout, closed_hours, resident
    callback_phone = Column(String(32))  # E.164; private, like the requester's phone
    case_id = Column(Integer, ForeignKey("cases.id"))  # a case the agent filed from the chat

    messages = relationship("LiveChatMessage", order_by="LiveChatMessage.id")

    __table_args__ = (
        Index("ix_live_chats_sender_status", "sender_id", "status"),
        UniqueConstraint("id", "agent_id"),
        # At most one open chat (waiting, active, or a missed one awaiting a reply) per sender.
        Index("ux_live_chats_open_sender", "sender_id", unique=True,
              sqlite_where=sql_text("status IN ('waiting', 'active', 'missed')"),
              postgresql_where=sql_text("status IN ('waiting', 'active', 'missed')")),
    )


class LiveChatMessage(Base):
    """One line of a live chat, from the resident or the agent."""

    __tablename__ = "live_chat_messages"

    id = Column(Integer, primary_key=True)
    chat_id = Column(Integer, ForeignKey("live_chats.id"), nullable=False, index=True)
    sender = Column(String(16), nullable=False)  # resident, agent, system
    text = Column(Text, nullable=False)
    delivered_at = Column(UtcDateTime)  # agent lines: when the channels app sent it out
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    message_key = Column(String(200))  # the channel's message id: a retried relay is stored once

    __table_args__ = (
        Index("ux_live_chat_messages_key", "chat_id", "message_key", unique=True),
    )


class GeocodeCache(Base):
    """One geocoder answer, found or not, so each address is asked once per provider."""

    __tablename__ = "geocode_cache"

    id = Column(Integer, primary_key=True)
    provider = Column(String(32), nullable=False)
    address_key = Column(String(300), nullable=False)  # casestore.geo.keys.address_key
    found = Column(Boolean, nullable=False)
    lat = Column(Float)
    long = Column(Float)
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        UniqueConstraint("provider", "address_key", name="uq_geocode_cache_provider_address"),
    )


# Where a stored photo came from (photos.source).
PHOTO_SOURCES = ("form", "sms", "whatsapp", "telegram", "messenger", "open311", "staff")


class Photo(Base):
    """A photo the case store keeps itself (casestore/media, migration 0008).

    It is re-encoded without metadata on the way in; ``token`` (random) names it
    in URLs and in ``media:<token>`` references; a case lists it in ``media_urls``
    as that reference. ``is_public`` follows what staff chose (``publishing``).
    """

    __tablename__ = "photos"

    id = Column(Integer, primary_key=True)
    token = Column(String(64), nullable=False, unique=True)
    case_id = Column(Integer, ForeignKey("cases.id"), index=True)  # empty until attached
    source = Column(String(16), nullable=False)
    content_type = Column(String(64), nullable=False)
    width = Column(Integer, nullable=False)
    height = Column(Integer, nullable=False)
    size = Column(Integer, nullable=False)  # bytes of the stored full-size copy
    is_public = Column(Boolean, nullable=False, default=False)
    # The photo's own GPS position, kept only when the resident allowed it.
    lat = Column(Float)
    long = Column(Float)
    storage_key = Column(String(200), nullable=False)
    thumb_key = Column(String(200), nullable=False)
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
