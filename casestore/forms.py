"""Flask-WTF forms of the staff portal and the resident pages.

Every form that changes something derives from ``FlaskForm`` and so carries
a CSRF token; the blueprints also refuse any POST without a valid token
before a view runs (see ``casestore.pages.require_csrf``). Choices that
come from the service catalog are filled in by the views, because the
catalog is read at first use, not at import.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from casestore.i18n import N_
from casestore.models import CLOSE_REASONS, STAFF_ROLES

MIN_PASSWORD = 12
NOTE_MAX = 4000

CLOSE_REASON_LABELS = {
    "fixed": N_("Fixed / resolved"),
    "duplicate": N_("Duplicate of another case"),
    "not_city_responsibility": N_("Not the City's responsibility"),
    "no_action_needed": N_("No action needed"),
    "could_not_locate": N_("Could not locate the problem"),
    "withdrawn": N_("Withdrawn by the resident"),
}

# Staff actions that add one plain timeline entry (kind -> button label).
NOTE_ACTIONS = {
    "update": "Add update",
    "inspection": "Document inspection",
    "repair": "Document repair",
    "follow_up": "Record follow-up action",
}

INTAKE_CHANNELS = (("phone_agent", "Phone call"), ("fax", "Fax"), ("walk_in", "Walk-in"))


def _strong_password(_form, field) -> None:
    if len(field.data or "") < MIN_PASSWORD:
        raise ValidationError(gettext("Use at least %(n)s characters.", n=MIN_PASSWORD))


class LoginForm(FlaskForm):
    """Email and password sign-in (staff and residents)."""

    # No address-format check here: signing in only looks the address up, and
    # the first-run admin is ``admin@localhost``, which email validators refuse.
    # Labels of resident forms are lazy: shown in the page's language (staff pages: default).
    email = EmailField(lazy_gettext("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(lazy_gettext("Sign in"))


class ActionForm(FlaskForm):
    """A form with only a CSRF token, for buttons (sign out, acknowledge, revoke)."""


class ChangePasswordForm(FlaskForm):
    """A signed-in user changes their own password."""

    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired(), _strong_password])
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("new", "Passwords differ.")]
    )
    submit = SubmitField("Change password")


class NoteForm(FlaskForm):
    """Update, inspection, repair or follow-up: a note, public or internal."""

    kind = SelectField("Kind", choices=list(NOTE_ACTIONS.items()), validators=[DataRequired()])
    note = TextAreaField("Note", validators=[DataRequired(), Length(max=NOTE_MAX)])
    public = BooleanField("Visible to the resident and on the public page", default=True)
    submit = SubmitField("Add to timeline")


class InfoRequestForm(FlaskForm):
    """Ask the resident a question; they are told on their channel and by email."""

    note = TextAreaField("Question for the resident", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Request information")


class ReassignForm(FlaskForm):
    """Move the case to another department (agents and supervisors)."""

    department = SelectField("New department", validators=[DataRequired()])
    note = TextAreaField("Why (optional)", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Reassign")


class CloseForm(FlaskForm):
    """Close with a reason and closure comments, both required."""

    reason = SelectField(
        "Reason",
        choices=[("", "Choose a reason")] + [(r, CLOSE_REASON_LABELS[r]) for r in CLOSE_REASONS],
        validators=[DataRequired("Choose a reason.")],
    )
    comments = TextAreaField(
        "Closure comments (the resident sees these)",
        validators=[DataRequired("Closure comments are required."), Length(max=NOTE_MAX)],
    )
    # No Optional(): it would stop the chain before validate_duplicate_of runs.
    duplicate_of = StringField("Parent case number (for a duplicate)")
    referred_to = StringField("Who is responsible (when not the City)", validators=[Optional()])
    submit = SubmitField("Close case")

    def validate_duplicate_of(self, field) -> None:  # noqa: D102 - WTForms hook
        if self.reason.data == "duplicate" and not (field.data or "").strip():
            raise ValidationError("Give the case number this one duplicates.")


class ReopenForm(FlaskForm):
    """Reopen a closed case with a note saying why."""

    note = TextAreaField("Why is it reopened?", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Reopen case")


class KeepOpenForm(FlaskForm):
    """Keep a case open although its requester asked to withdraw it, saying why."""

    note = TextAreaField("Why it stays open", validators=[DataRequired(), Length(max=2000)])
    public = BooleanField("Visible to the resident and on the public page", default=False)
    submit = SubmitField("Keep open")


class DuplicateForm(FlaskForm):
    """Mark as a duplicate of a parent case; followers move to the parent."""

    parent = StringField("Parent case number", validators=[DataRequired()])
    comments = TextAreaField(
        "Closure comments", default="This problem is already reported; follow the other case.",
        validators=[DataRequired(), Length(max=NOTE_MAX)],
    )
    submit = SubmitField("Mark as duplicate")


class NewCaseForm(FlaskForm):
    """An agent files a case for a phone, fax or walk-in caller."""

    channel = SelectField(
        "Intake channel", choices=list(INTAKE_CHANNELS), validators=[DataRequired()]
    )
    service_code = SelectField("Service", validators=[DataRequired()])
    description = TextAreaField("Description", validators=[DataRequired(), Length(max=NOTE_MAX)])
    address = StringField("Address", validators=[Length(max=300)])
    lat = FloatField("Latitude", validators=[Optional(), NumberRange(-90, 90)])
    long = FloatField("Longitude", validators=[Optional(), NumberRange(-180, 180)])
    requester_name = StringField("Caller's name", validators=[Optional(), Length(max=200)])
    requester_email = EmailField(
        "Caller's email", validators=[Optional(), Email(), Length(max=320)]
    )
    requester_phone = StringField("Caller's phone", validators=[Optional(), Length(max=32)])
    submit = SubmitField("File case")

    def validate_address(self, field) -> None:  # noqa: D102 - WTForms hook
        if not (field.data or "").strip() and (self.lat.data is None or self.long.data is None):
            raise ValidationError("Give an address, or both latitude and longitude.")


class StaffCreateForm(FlaskForm):
    """An admin adds a staff member."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=320)])
    role = SelectField("Role", choices=[(r, r.title()) for r in STAFF_ROLES])
    department = SelectField("Department")
    password = PasswordField("Initial password", validators=[DataRequired(), _strong_password])
    submit = SubmitField("Add staff member")

    def validate_department(self, field) -> None:  # noqa: D102 - WTForms hook
        if self.role.data == "department" and not field.data:
            raise ValidationError("Department staff need a department.")


class StaffEditForm(FlaskForm):
    """An admin sets a staff member's role, department and whether they may sign in."""

    role = SelectField("Role", choices=[(r, r.title()) for r in STAFF_ROLES])
    department = SelectField("Department")
    active = BooleanField("May sign in")
    submit = SubmitField("Save")

    def validate_department(self, field) -> None:  # noqa: D102 - WTForms hook
        if self.role.data == "department" and not field.data:
            raise ValidationError("Department staff need a department.")


class ApiKeyForm(FlaskForm):
    """Issue an Open311 API key to a named outside application."""

    name = StringField("Application name", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Issue key")


class SignupForm(FlaskForm):
    """A resident creates an account."""

    email = EmailField(lazy_gettext("Email"),
                       validators=[DataRequired(), Email(), Length(max=320)])
    password = PasswordField(lazy_gettext("Password"),
                             validators=[DataRequired(), _strong_password])
    confirm = PasswordField(
        lazy_gettext("Repeat password"),
        validators=[DataRequired(), EqualTo("password", lazy_gettext("Passwords differ."))],
    )
    submit = SubmitField(lazy_gettext("Create account"))


class ForgotForm(FlaskForm):
    """Ask for a password reset link."""

    email = EmailField(lazy_gettext("Email"), validators=[DataRequired(), Email(), Length(max=320)])
    submit = SubmitField(lazy_gettext("Send reset link"))


class ResetForm(FlaskForm):
    """Set a new password from a reset link."""

    token = HiddenField(validators=[InputRequired()])
    password = PasswordField(lazy_gettext("New password"),
                             validators=[DataRequired(), _strong_password])
    confirm = PasswordField(
        lazy_gettext("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", lazy_gettext("Passwords differ."))],
    )
    submit = SubmitField(lazy_gettext("Set password"))


class ResidentNoteForm(FlaskForm):
    """A resident adds a note or a photo link to an open case, or answers a question."""

    note = TextAreaField(lazy_gettext("Your note or answer"),
                         validators=[DataRequired(), Length(max=NOTE_MAX)])
    photo_url = URLField(
        lazy_gettext("Photo link (optional)"),
        validators=[Optional(), URL(require_tld=False), Length(max=1000)],
    )
    submit = SubmitField(lazy_gettext("Add to case"))


class PublicReopenForm(FlaskForm):
    """The "not fixed?" page behind the signed link in the closed notice."""

    token = HiddenField(validators=[InputRequired()])
    note = TextAreaField(lazy_gettext("What is still wrong?"),
                         validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(lazy_gettext("Reopen my case"))
