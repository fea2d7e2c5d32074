"""Mail over real aiosmtpd servers: verified STARTTLS, implicit TLS, no login in the clear,
and a Message-ID every attempt of one notice shares."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select, update

from casestore.migrate import upgrade_database
from casestore.models import OutboxMessage
from casestore.notifier import deliver_due, message_id, smtp_security
from tests.fixtures.casestore import SERVICE_TOKEN, ApiClient, build_app, file_case, session_for
from tests.fixtures.smtp import Inbox
from tests.fixtures.stack import free_port


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key, issuer: str, issuer_key, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write_pair(folder: Path, stem: str, cert: x509.Certificate, key) -> tuple[Path, Path]:
    cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, Path]:
    """A test CA, a server certificate for 127.0.0.1 it signed, and a self-signed one."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key, leaf_key, lone_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _certificate("ATL311 test CA", ca_key, "ATL311 test CA", ca_key, ca=True)
    leaf = _certificate("127.0.0.1", leaf_key, "ATL311 test CA", ca_key, ca=False)
    lone = _certificate("127.0.0.1", lone_key, "127.0.0.1", lone_key, ca=False)
    ca_path, _ = _write_pair(folder, "ca", ca, ca_key)
    leaf_cert, leaf_key_path = _write_pair(folder, "leaf", leaf, leaf_key)
    lone_cert, lone_key_path = _write_pair(folder, "selfsigned", lone, lone_key)
    return {"ca": ca_path, "leaf": leaf_cert, "leaf_key": leaf_key_path,
            "self": lone_cert, "self_key": lone_key_path}


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    return context


class Logins:
    """An aiosmtpd authenticator that accepts one account and remembers every attempt."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.attempts.append(auth_data.login.decode())
        ok = auth_data.login == b"mailer" and auth_data.password == b"s3cret-pass"
        return AuthResult(success=ok)


class TlsSmtp:
    """An aiosmtpd server: STARTTLS offered (``starttls``), implicit TLS (``implicit``) or plain."""

    def __init__(self, context: ssl.SSLContext | None, *, implicit: bool = False) -> None:
        self.inbox, self.logins, self.port = Inbox(), Logins(), free_port()
        # aiosmtpd counts only STARTTLS as TLS for AUTH, so its implicit-TLS server (and
        # the plain one, which the client must refuse on its own) offers AUTH without it.
        params = {"authenticator": self.logins,
                  "auth_require_tls": context is not None and not implicit}
        if context is not None and not implicit:
            params.update(tls_context=context, require_starttls=True)
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port,
                                     ssl_context=context if implicit else None, **params)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture()
def mail_app(make_database_url, tmp_path):
    """Build apps on one fresh database with the mail settings a test gives."""
    url = make_database_url("mail")
    upgrade_database(url)
    apps = []

    def make(**config):
        app = build_app(url, str(tmp_path), SMTP_HOST="127.0.0.1",
                        MAIL_FROM="ATL311 <no-reply@atl311.test>", **config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["casestore.engine"].dispose()


def file_and_deliver(app) -> OutboxMessage:
    """File a case with an email requester, run the notifier once, return the outbox row."""
    file_case(ApiClient(app, SERVICE_TOKEN), requester={"email": "ada@example.com"})
    with app.app_context():
        deliver_due()
    with session_for(app) as session:
        return session.execute(select(OutboxMessage)).scalar_one()


def test_starttls_to_a_self_signed_certificate_is_refused(mail_app, certificates):
    server = TlsSmtp(server_context(certificates["self"], certificates["self_key"]))
    try:
        row = file_and_deliver(mail_app(SMTP_PORT=server.port, SMTP_STARTTLS=True))
    finally:
        server.stop()
    assert server.inbox.messages == []
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error.startswith("SSLCertVerificationError")


def test_starttls_to_a_certificate_from_the_configured_ca_is_delivered_with_login(
        mail_app, certificates):
    server = TlsSmtp(server_context(certificates["leaf"], certificates["leaf_key"]))
    try:
        row = file_and_deliver(mail_app(SMTP_PORT=server.port, SMTP_SECURITY="starttls",
                                        SMTP_CA_FILE=str(certificates["ca"]),
                                        SMTP_USER="mailer", SMTP_PASSWORD="s3cret-pass"))
    finally:
        server.stop()
    assert row.status == "sent"
    assert server.logins.attempts == ["mailer"]
    assert server.inbox.recipients == [["ada@example.com"]]


def test_implicit_tls_smtps_is_delivered(mail_app, certificates):
    server = TlsSmtp(server_context(certificates["leaf"], certificates["leaf_key"]),
                     implicit=True)
    try:
        row = file_and_deliver(mail_app(SMTP_PORT=server.port, SMTP_SECURITY="ssl",
                                        SMTP_CA_FILE=str(certificates["ca"]),
                                        SMTP_USER="mailer", SMTP_PASSWORD="s3cret-pass"))
    finally:
        server.stop()
    assert row.status == "sent"
    assert server.logins.attempts == ["mailer"]
    assert server.inbox.recipients == [["ada@example.com"]]


def test_implicit_tls_to_a_self_signed_certificate_is_refused(mail_app, certificates):
    server = TlsSmtp(server_context(certificates["self"], certificates["self_key"]),
                     implicit=True)
    try:
        row = file_and_deliver(mail_app(SMTP_PORT=server.port, SMTP_SECURITY="ssl"))
    finally:
        server.stop()
    assert server.inbox.messages == []
    assert row.status == "pending" and row.last_error.startswith("SSLCertVerificationError")


def test_login_over_a_plain_connection_is_refused_with_a_clear_error(mail_app):
    server = TlsSmtp(None)  # a server that would take AUTH in the clear
    try:
        row = file_and_deliver(mail_app(SMTP_PORT=server.port, SMTP_USER="mailer",
                                        SMTP_PASSWORD="s3cret-pass"))
    finally:
        server.stop()
    assert server.logins.attempts == [] and server.inbox.messages == []
    assert row.status == "pending"
    assert row.last_error == ("InsecureSmtpError: SMTP_USER is set but the connection has no "
                              "TLS; set SMTP_SECURITY=starttls or ssl")


def test_plain_smtp_without_credentials_still_delivers(mail_app):
    server = TlsSmtp(None)
    try:
        row = file_and_deliver(mail_app(SMTP_PORT=server.port))
    finally:
        server.stop()
    assert row.status == "sent" and server.inbox.recipients == [["ada@example.com"]]


@pytest.mark.parametrize(("config", "mode"), [
    ({"SMTP_PORT": 25}, "none"),
    ({"SMTP_PORT": 587, "SMTP_STARTTLS": True}, "starttls"),
    ({"SMTP_PORT": 465}, "ssl"),
    ({"SMTP_PORT": 2465, "SMTP_SECURITY": "ssl"}, "ssl"),
    ({"SMTP_PORT": 465, "SMTP_SECURITY": "starttls"}, "starttls"),
])
def test_the_security_mode_follows_the_settings(config, mode):
    assert smtp_security(config) == mode


def test_an_unknown_security_mode_is_an_error():
    with pytest.raises(ValueError, match="SMTP_SECURITY must be one of starttls, ssl, none"):
        smtp_security({"SMTP_SECURITY": "tls"})


def test_a_resent_notice_carries_the_same_message_id(mail_app):
    server = TlsSmtp(None)
    app = mail_app(SMTP_PORT=server.port)
    try:
        row = file_and_deliver(app)
        # As if the notifier died after the send but before recording it: the row comes due again.
        with session_for(app) as session:
            session.execute(update(OutboxMessage).values(status="pending"))
            session.commit()
        with app.app_context():
            deliver_due(row.sent_at + dt.timedelta(hours=1))
    finally:
        server.stop()
    first, second = server.inbox.messages
    expected = message_id(row.dedupe_key, row.id, "ATL311 <no-reply@atl311.test>")
    assert first["Message-ID"] == second["Message-ID"] == expected
    assert expected.endswith("@atl311.test>") and "ada" not in expected
