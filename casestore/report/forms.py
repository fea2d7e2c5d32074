"""The web form's Flask-WTF forms: the report (with the chosen service's questions) and the
"follow this case instead" choice.

Each service has its own questions (the catalog's attributes), so the report
form's class is made per request by ``report_form_class`` with one field per
question, labelled in the page's language: choices as radio buttons (one
answer) or checkboxes (several), the rest as text. Required questions are
enforced here, with messages in the resident's language; the case service
layer checks the answers again (``casestore.validation.attributes``).
"""

from __future__ import annotations

import datetime as dt
import math

from flask import request
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from casestore import validation as v
from casestore.catalog import Attribute, Service

from .abuse import HONEYPOT

MAX_PHOTOS = 5
# The sources of coordinates this form may give (models.LOCATION_SOURCES).
FORM_LOCATION_SOURCES = ("resident_pin", "device")
# A datetime question's answer, as <input type="datetime-local"> sends it.
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def _required(message) -> InputRequired:
    return InputRequired(message=message)


class ReportForm(FlaskForm):
    """The report: description, place, photos and contact (questions are added per service).

    ``started`` is the signed time the form was first shown (``abuse.start_token``),
    ``nearby_checked`` set once the resident has seen the nearby open cases and chose to
    file anyway; ``photo_tokens`` are photos already stored by an earlier step (the nearby
    page), as hidden inputs. The honeypot (``abuse.HONEYPOT``) is no field of the form:
    the template draws it empty and ``honeypot_value`` reads what came back.
    """

    started = HiddenField()
    nearby_checked = HiddenField()
    description = TextAreaField(
        lazy_gettext("Describe the problem"),
        validators=[Optional(), Length(max=v.MAX_DESCRIPTION, message=lazy_gettext(
            "Use at most %(max)d characters."))])
    address = StringField(
        lazy_gettext("Address or place"),
        validators=[Optional(), Length(max=v.MAX_ADDRESS, message=lazy_gettext(
            "Use at most %(max)d characters."))],
        render_kw={"autocomplete": "street-address"})
    lat = HiddenField()
    long = HiddenField()
    location_source = HiddenField()
    photos = MultipleFileField(lazy_gettext("Photos (optional)"),
                               render_kw={"accept": "image/*"})
    photo_location = BooleanField(
        lazy_gettext("If a photo holds the place where it was taken, use that place"))
    email = EmailField(
        lazy_gettext("Email (optional)"),
        validators=[Optional(), Length(max=320), Email(message=lazy_gettext(
            "Enter an email address like name@example.com."))],
        render_kw={"autocomplete": "email"})
    phone = TelField(lazy_gettext("Phone (optional)"), validators=[Optional(), Length(max=40)],
                     render_kw={"autocomplete": "tel"})
    submit = SubmitField(lazy_gettext("Send the report"))

    def validate_phone(self, field: Field) -> None:  # noqa: D102 - WTForms hook
        problems = v.Problems()
        if v.phone(problems, field.data, "phone") is None:
            raise ValidationError(lazy_gettext("Enter a phone number like 404-555-0123."))

    def validate_photos(self, field: Field) -> None:  # noqa: D102 - WTForms hook
        if len(uploads(field)) + len(self.photo_tokens) > MAX_PHOTOS:
            raise ValidationError(lazy_gettext("Choose at most %(n)s photos.", n=MAX_PHOTOS))

    def validate_location_source(self, field: Field) -> None:  # noqa: D102 - WTForms hook
        if field.data and field.data not in FORM_LOCATION_SOURCES:
            field.data = ""  # a made-up source is just not recorded

    def validate(self, extra_validators=None) -> bool:
        """Check every field, then that the place is given (address, coordinates, or a
        photo's position the resident let us use); an optional field's own checks stop
        when it is empty, so this one cannot live on the address field."""
        ok = super().validate(extra_validators)
        # Problems with the place are shown at the address: the only visible place field.
        given = bool(self.lat.data or self.long.data)
        has_photo_place = self.photo_location.data and (uploads(self.photos)
                                                        or self.photo_tokens)
        if given and coordinates(self) is None:
            problem = lazy_gettext("The map position is not valid. Place it again or type "
                                   "the address.")
        elif not given and not (self.address.data or "").strip() and not has_photo_place:
            problem = lazy_gettext(
                "Type the address or place, or put a pin on the map, or use your location.")
        else:
            return ok
        self.address.errors = [*self.address.errors, problem]
        return False

    @property
    def photo_tokens(self) -> list[str]:
        """Stored photos an earlier step carried (hidden ``photo_token`` inputs)."""
        return [t for t in request.form.getlist("photo_token") if t][:MAX_PHOTOS]


def uploads(field: Field) -> list:
    """Return the files a ``MultipleFileField`` received (browsers send one empty part
    when no file was chosen)."""
    return [f for f in (field.data or []) if getattr(f, "filename", "")]


def coordinates(form: ReportForm) -> tuple[float, float] | None:
    """Return (lat, long) from the hidden inputs, or None when absent or not coordinates."""
    try:
        lat, long = float(form.lat.data), float(form.long.data)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(long) and -90 <= lat <= 90
            and -180 <= long <= 180):
        return None
    return lat, long


class _CheckboxList(SelectMultipleField):
    """Several answers: checkboxes in a list (the template wraps them in a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _one_of(attr: Attribute):
    keys = attr.value_keys()

    def check(_form, field: Field) -> None:
        data = field.data if isinstance(field.data, list) else [field.data]
        if any(d not in keys for d in data if d):
            raise ValidationError(lazy_gettext("Choose one of the answers on the list."))

    return check


def _some_ticked(_form, field: Field) -> None:
    if not field.data:
        raise StopValidation(lazy_gettext("Answer this question."))


def _number(_form, field: Field) -> None:
    if not (field.data or "").strip():
        raise StopValidation()
    try:
        value = float(field.data.replace(",", ""))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValidationError(lazy_gettext("Enter a number, such as 3."))


def _datetime(_form, field: Field) -> None:
    if not (field.data or "").strip():
        raise StopValidation()
    if parse_datetime(field.data) is None:
        raise ValidationError(lazy_gettext("Enter a date and time."))


def parse_datetime(text: str) -> dt.datetime | None:
    """Return the datetime a datetime question's answer gives, or None."""
    for fmt in DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def attribute_field(attr: Attribute) -> Field:
    """Return the form field asking ``attr`` (already in the page's language)."""
    required = [_required(lazy_gettext("Answer this question."))] if attr.required \
        else [Optional()]
    label = attr.description
    choices = [(value.key, value.name) for value in attr.values]
    if attr.datatype == "singlevaluelist":
        return RadioField(label, choices=choices, validate_choice=False,
                          validators=[*required, _one_of(attr)])
    if attr.datatype == "multivaluelist":
        # Not InputRequired: its flag would mark every checkbox "required" (each one must be
        # ticked, to a browser or a screen reader), when one answer or more is what is asked.
        at_least_one = [_some_ticked] if attr.required else [Optional()]
        return _CheckboxList(label, choices=choices, validate_choice=False,
                             validators=[*at_least_one, _one_of(attr)])
    if attr.datatype == "text":
        return TextAreaField(label, validators=[*required, Length(max=v.MAX_ATTRIBUTE_TEXT)])
    if attr.datatype == "number":
        return StringField(label, validators=[*required, _number],
                           render_kw={"inputmode": "decimal"})
    if attr.datatype == "datetime":
        return StringField(label, validators=[*required, _datetime],
                           render_kw={"type": "datetime-local"})
    return StringField(label, validators=[*required, Length(max=v.MAX_ATTRIBUTE_TEXT)])


def field_name(attr: Attribute) -> str:
    """Return the form field name of a question: ``attr_<code>``."""
    return f"attr_{attr.code}"


def report_form_class(service: Service) -> type[ReportForm]:
    """Return a ``ReportForm`` subclass with a field per question of ``service``."""
    fields = {field_name(a): attribute_field(a) for a in service.attributes}
    return type(f"ReportForm_{service.code}", (ReportForm,), fields)


def answers(form: ReportForm, service: Service) -> dict:
    """Return the answers in the case API's shape (``{code: value or [values]}``)."""
    result: dict = {}
    for attr in service.attributes:
        data = getattr(form, field_name(attr)).data
        if attr.datatype == "multivaluelist":
            if data:
                result[attr.code] = list(data)
        elif attr.datatype == "number" and (data or "").strip():
            result[attr.code] = float(data.replace(",", ""))
        elif attr.datatype == "datetime" and (data or "").strip():
            result[attr.code] = parse_datetime(data).isoformat()
        elif data not in (None, "") and str(data).strip():
            result[attr.code] = str(data).strip()
    return result


def honeypot_value(form_data) -> str:
    """Return what the honeypot field received (people leave it empty)."""
    return (form_data.get(HONEYPOT) or "").strip()


class FollowForm(FlaskForm):
    """"Is this yours? Follow it instead": which nearby case, and the email its notices go to."""

    started = HiddenField()
    case = RadioField(lazy_gettext("Which case is the problem you wanted to report?"),
                      validate_choice=False,
                      validators=[_required(lazy_gettext("Choose the case to follow."))])
    email = EmailField(
        lazy_gettext("Email"),
        validators=[
            _required(lazy_gettext("Give your email, so we can tell you when the case changes.")),
            Length(max=320),
            Email(message=lazy_gettext("Enter an email address like name@example.com."))],
        render_kw={"autocomplete": "email"})
    phone = TelField(lazy_gettext("Phone (optional)"), validators=[Optional(), Length(max=40)],
                     render_kw={"autocomplete": "tel"})
    submit = SubmitField(lazy_gettext("Follow this case"))

    validate_phone = ReportForm.validate_phone
